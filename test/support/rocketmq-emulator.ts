/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any --
   The generated protobuf classes are loaded with require() from inside the client package (the
   serializers check instanceof, so they must be the client's own copies) and used untyped. */
import * as grpc from '@grpc/grpc-js';
import { createHash, randomUUID } from 'node:crypto';

// The generated modules shipped inside the client package: the serializers check `instanceof`,
// so the server must build its answers from the very same classes.
const pbRoot = 'rocketmq-client-nodejs/proto/apache/rocketmq/v2';
const { MessagingServiceService } = require(`${pbRoot}/service_grpc_pb`);
const svc = require(`${pbRoot}/service_pb`);
const def = require(`${pbRoot}/definition_pb`);
const { Duration } = require('google-protobuf/google/protobuf/duration_pb');
const { Timestamp } = require('google-protobuf/google/protobuf/timestamp_pb');

/** A message as the emulated broker stored it. */
export interface StoredMessage {
  topic: string;
  tag: string | undefined;
  keys: string[];
  properties: Record<string, string>;
  messageGroup: string | undefined;
  body: Buffer;
  messageId: string;
  offset: number;
  storedAt: number;
}

interface Inflight {
  offset: number;
  invisibleUntil: number;
}

const OK = def.Code.OK as number;
const duration = (ms: number) =>
  new Duration().setSeconds(Math.floor(ms / 1000)).setNanos((ms % 1000) * 1_000_000);
const status = (code: number, message = code === OK ? 'OK' : 'injected fault') =>
  new def.Status().setCode(code).setMessage(message);

/**
 * An in-process RocketMQ 5 gRPC proxy, enough for `rocketmq-client-nodejs`'s Producer and
 * SimpleConsumer: routes (queue 0 on this very endpoint), telemetry settings, send, receive,
 * ack and invisibility changes. It stores what it receives and can inject faults: a status code
 * on the next N sends or on every send, a stall (sends never answered), and refused connections.
 */
export class RocketMqEmulator {
  readonly messages: StoredMessage[] = [];
  /** Every SendMessage call, failed ones included, with the time it arrived. */
  readonly sendAttempts: { at: number; ok: boolean }[] = [];
  private server?: grpc.Server;
  private portNumber = 0;
  private failNext = { count: 0, code: 50000 };
  private failAll?: number;
  private stalled = false;
  private readonly stalledCalls: grpc.sendUnaryData<unknown>[] = [];
  private readonly telemetryCalls = new Set<grpc.ServerDuplexStream<unknown, unknown>>();
  private readonly acked = new Map<string, Set<number>>();
  private readonly inflight = new Map<string, Map<string, Inflight>>();

  get port(): number {
    return this.portNumber;
  }

  get endpoints(): string {
    return `127.0.0.1:${this.portNumber}`;
  }

  /** Starts listening (on a free port, or on the same port again after `stop`). */
  async start(port = this.portNumber): Promise<number> {
    const server = new grpc.Server();
    server.addService(MessagingServiceService, this.handlers());
    this.portNumber = await new Promise<number>((resolve, reject) =>
      server.bindAsync(
        `127.0.0.1:${port}`,
        grpc.ServerCredentials.createInsecure(),
        (err, bound) => (err ? reject(err) : resolve(bound)),
      ),
    );
    this.server = server;
    return this.portNumber;
  }

  /** Stops listening: connections are refused until `start` is called again. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    // End the clients' telemetry streams first, as a proxy going down would.
    for (const call of this.telemetryCalls) call.end();
    this.telemetryCalls.clear();
    server.forceShutdown();
    await new Promise((r) => setTimeout(r, 50));
  }

  /** The next `count` sends answer with `code` (50000 internal error by default). */
  failNextSends(count: number, code = 50000): void {
    this.failNext = { count, code };
  }

  /** Every send answers with `code` until `recover`. */
  failAllSends(code = 50000): void {
    this.failAll = code;
  }

  /** Sends are never answered until `recover`. */
  stall(): void {
    this.stalled = true;
  }

  recover(): void {
    this.failAll = undefined;
    this.failNext = { count: 0, code: 50000 };
    this.stalled = false;
    this.stalledCalls.splice(0);
  }

  /** Messages stored for a topic whose `rms-message-id` property is `id`. */
  byRmsId(id: string): StoredMessage[] {
    return this.messages.filter((m) => m.properties['rms-message-id'] === id);
  }

  private handlers(): grpc.UntypedServiceImplementation {
    const ok = (response: { setStatus(s: unknown): unknown }) => {
      response.setStatus(status(OK));
      return response;
    };
    return {
      queryRoute: (call: grpc.ServerUnaryCall<any, any>, callback: grpc.sendUnaryData<unknown>) => {
        const topic = call.request.getTopic();
        const broker = new def.Broker()
          .setName('emulator')
          .setId(0)
          .setEndpoints(
            new def.Endpoints()
              .setScheme(def.AddressScheme.IPV4)
              .setAddressesList([new def.Address().setHost('127.0.0.1').setPort(this.portNumber)]),
          );
        const queue = new def.MessageQueue()
          .setTopic(
            new def.Resource()
              .setName(topic.getName())
              .setResourceNamespace(topic.getResourceNamespace()),
          )
          .setId(0)
          .setPermission(def.Permission.READ_WRITE)
          .setBroker(broker)
          .setAcceptMessageTypesList([
            def.MessageType.NORMAL,
            def.MessageType.FIFO,
            def.MessageType.DELAY,
            def.MessageType.TRANSACTION,
          ]);
        callback(null, ok(new svc.QueryRouteResponse().setMessageQueuesList([queue])));
      },
      telemetry: (call: grpc.ServerDuplexStream<any, any>) => {
        this.telemetryCalls.add(call);
        call.on('close', () => this.telemetryCalls.delete(call));
        call.on('data', (command: any) => {
          if (!command.hasSettings()) return;
          const settings = def.Settings.deserializeBinary(command.getSettings().serializeBinary());
          settings.setBackoffPolicy(
            new def.RetryPolicy()
              .setMaxAttempts(1)
              .setExponentialBackoff(
                new def.ExponentialBackoff()
                  .setInitial(duration(100))
                  .setMax(duration(1000))
                  .setMultiplier(2),
              ),
          );
          if (settings.hasPublishing()) {
            settings
              .getPublishing()
              .setMaxBodySize(4 * 1024 * 1024)
              .setValidateMessageType(false);
          }
          if (settings.hasSubscription()) {
            settings
              .getSubscription()
              .setReceiveBatchSize(32)
              .setLongPollingTimeout(duration(1000));
          }
          call.write(new svc.TelemetryCommand().setStatus(status(OK)).setSettings(settings));
        });
        call.on('end', () => call.end());
        call.on('error', () => undefined);
      },
      heartbeat: (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
        callback(null, ok(new svc.HeartbeatResponse())),
      notifyClientTermination: (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
        callback(null, ok(new svc.NotifyClientTerminationResponse())),
      endTransaction: (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
        callback(null, ok(new svc.EndTransactionResponse())),
      sendMessage: (call: grpc.ServerUnaryCall<any, any>, callback: grpc.sendUnaryData<unknown>) =>
        this.onSend(call.request, callback),
      receiveMessage: (call: grpc.ServerWritableStream<any, any>) => this.onReceive(call),
      ackMessage: (call: grpc.ServerUnaryCall<any, any>, callback: grpc.sendUnaryData<unknown>) => {
        const group = call.request.getGroup().getName();
        const acked = this.acked.get(group) ?? new Set<number>();
        this.acked.set(group, acked);
        const entries = call.request.getEntriesList().map((e: any) => {
          const handle = e.getReceiptHandle();
          const inflight = this.inflight.get(group)?.get(handle);
          if (inflight) acked.add(inflight.offset);
          this.inflight.get(group)?.delete(handle);
          return new svc.AckMessageResultEntry()
            .setMessageId(e.getMessageId())
            .setReceiptHandle(handle)
            .setStatus(status(OK));
        });
        callback(null, ok(new svc.AckMessageResponse().setEntriesList(entries)));
      },
      changeInvisibleDuration: (
        call: grpc.ServerUnaryCall<any, any>,
        callback: grpc.sendUnaryData<unknown>,
      ) => {
        const group = call.request.getGroup().getName();
        const old = call.request.getReceiptHandle();
        const inflight = this.inflight.get(group)?.get(old);
        const handle = randomUUID();
        if (inflight) {
          this.inflight.get(group)!.delete(old);
          const ms = call.request.getInvisibleDuration().getSeconds() * 1000;
          this.inflight
            .get(group)!
            .set(handle, { offset: inflight.offset, invisibleUntil: Date.now() + ms });
        }
        callback(null, ok(new svc.ChangeInvisibleDurationResponse().setReceiptHandle(handle)));
      },
    };
  }

  private onSend(request: any, callback: grpc.sendUnaryData<unknown>): void {
    const messages = request.getMessagesList();
    const fault = this.failAll ?? (this.failNext.count > 0 ? this.failNext.code : undefined);
    if (this.stalled) {
      this.sendAttempts.push({ at: Date.now(), ok: false });
      this.stalledCalls.push(callback);
      return;
    }
    if (fault !== undefined) {
      if (this.failAll === undefined) this.failNext.count--;
      this.sendAttempts.push({ at: Date.now(), ok: false });
      const entries = messages.map((m: any) =>
        new svc.SendResultEntry()
          .setStatus(status(fault))
          .setMessageId(m.getSystemProperties().getMessageId()),
      );
      callback(
        null,
        new svc.SendMessageResponse().setStatus(status(fault)).setEntriesList(entries),
      );
      return;
    }
    this.sendAttempts.push({ at: Date.now(), ok: true });
    const entries = messages.map((m: any) => {
      const sys = m.getSystemProperties();
      const properties: Record<string, string> = {};
      for (const [k, v] of m.getUserPropertiesMap().entries())
        properties[k as string] = v as string;
      const stored: StoredMessage = {
        topic: m.getTopic().getName(),
        tag: sys.hasTag() ? sys.getTag() : undefined,
        keys: sys.getKeysList(),
        properties,
        messageGroup: sys.hasMessageGroup() ? sys.getMessageGroup() : undefined,
        body: Buffer.from(m.getBody_asU8()),
        messageId: sys.getMessageId(),
        offset: this.messages.length,
        storedAt: Date.now(),
      };
      this.messages.push(stored);
      return new svc.SendResultEntry()
        .setStatus(status(OK))
        .setMessageId(stored.messageId)
        .setOffset(stored.offset);
    });
    callback(null, new svc.SendMessageResponse().setStatus(status(OK)).setEntriesList(entries));
  }

  private onReceive(call: grpc.ServerWritableStream<any, any>): void {
    const request = call.request;
    const group = request.getGroup().getName();
    const topic = request.getMessageQueue().getTopic().getName();
    const batch = request.getBatchSize() || 32;
    const invisibleMs = request.hasInvisibleDuration()
      ? request.getInvisibleDuration().getSeconds() * 1000
      : 30_000;
    const acked = this.acked.get(group) ?? new Set<number>();
    const inflight = this.inflight.get(group) ?? new Map<string, Inflight>();
    this.inflight.set(group, inflight);
    const now = Date.now();
    const busy = new Set(
      [...inflight.values()].filter((i) => i.invisibleUntil > now).map((i) => i.offset),
    );
    const ready = this.messages
      .filter((m) => m.topic === topic && !acked.has(m.offset) && !busy.has(m.offset))
      .slice(0, batch);
    if (ready.length === 0) {
      call.write(
        new svc.ReceiveMessageResponse().setStatus(
          status(def.Code.MESSAGE_NOT_FOUND, 'no new message'),
        ),
      );
      call.end();
      return;
    }
    call.write(new svc.ReceiveMessageResponse().setStatus(status(OK)));
    call.write(
      new svc.ReceiveMessageResponse().setDeliveryTimestamp(Timestamp.fromDate(new Date())),
    );
    for (const m of ready) {
      const handle = randomUUID();
      inflight.set(handle, { offset: m.offset, invisibleUntil: now + invisibleMs });
      const sys = new def.SystemProperties()
        .setKeysList(m.keys)
        .setMessageId(m.messageId)
        .setBodyDigest(
          new def.Digest()
            .setType(def.DigestType.MD5)
            .setChecksum(createHash('md5').update(m.body).digest('hex')),
        )
        .setBodyEncoding(def.Encoding.IDENTITY)
        .setMessageType(m.messageGroup ? def.MessageType.FIFO : def.MessageType.NORMAL)
        .setBornTimestamp(Timestamp.fromDate(new Date(m.storedAt)))
        .setBornHost('127.0.0.1')
        .setReceiptHandle(handle)
        .setQueueId(0)
        .setQueueOffset(m.offset)
        .setDeliveryAttempt(1);
      if (m.tag !== undefined) sys.setTag(m.tag);
      if (m.messageGroup !== undefined) sys.setMessageGroup(m.messageGroup);
      const message = new def.Message()
        .setTopic(new def.Resource().setName(m.topic))
        .setSystemProperties(sys)
        .setBody(m.body);
      for (const [k, v] of Object.entries(m.properties)) message.getUserPropertiesMap().set(k, v);
      call.write(new svc.ReceiveMessageResponse().setMessage(message));
    }
    call.end();
  }
}
