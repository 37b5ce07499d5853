/* eslint-disable @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any --
   The generated protobuf classes (see rocketmq-proto.ts) are used untyped. */
import * as grpc from '@grpc/grpc-js';
import { EmulatedConsumerGroups } from './rocketmq-consumer-groups';
import {
  MessagingServiceService,
  OK,
  routeQueue,
  settingsReply,
  status,
  svc,
} from './rocketmq-proto';

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
  /** The sending client's id (`x-mq-client-id`): tells service processes apart. */
  clientId: string | undefined;
  /** Deleted from the broker before anyone read it. */
  removed?: boolean;
}

/**
 * An in-process RocketMQ 5 gRPC proxy, enough for `rocketmq-client-nodejs`'s Producer and
 * SimpleConsumer: routes (queue 0 on this very endpoint), telemetry settings, send, receive,
 * ack and invisibility changes. It stores what it receives and can inject faults: a status code
 * on the next N sends or on every send, a stall (sends and heartbeats never answered), and refused connections.
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
  private sendLatencyMs = 0;
  /** Sends of these messages (by rms-message-id) still to refuse. */
  private readonly refuse = new Map<string, number>();
  private readonly stalledCalls: grpc.sendUnaryData<unknown>[] = [];
  private readonly telemetryCalls = new Set<grpc.ServerDuplexStream<unknown, unknown>>();
  private readonly groups = new EmulatedConsumerGroups();

  get port(): number {
    return this.portNumber;
  }

  get endpoints(): string {
    return `127.0.0.1:${this.portNumber}`;
  }

  /** Refuses the next `count` sends of one message (by its rms-message-id), Infinity for all. */
  failSendsOf(rmsId: string, count: number): void {
    if (count > 0) this.refuse.set(rmsId, count);
    else this.refuse.delete(rmsId);
  }

  /** Answers each later send only after `ms` (stored at once, acknowledged late). */
  slowSends(ms: number): void {
    this.sendLatencyMs = ms;
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

  /** Sends and heartbeats are never answered until `recover`. */
  stall(): void {
    this.stalled = true;
  }

  recover(): void {
    this.failAll = undefined;
    this.failNext = { count: 0, code: 50000 };
    this.stalled = false;
    this.sendLatencyMs = 0;
    this.refuse.clear();
    this.stalledCalls.splice(0);
  }

  /** Deletes a stored message as if the broker lost it: nobody receives it. */
  remove(rmsId: string): void {
    for (const m of this.byRmsId(rmsId)) m.removed = true;
  }

  /** Stores a message again under a new offset: a duplicate delivery. */
  duplicate(rmsId: string): void {
    const [m] = this.byRmsId(rmsId);
    this.messages.push({ ...m, offset: this.messages.length, messageId: `${m.messageId}-dup` });
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
        const queue = routeQueue(call.request.getTopic(), this.portNumber);
        callback(null, ok(new svc.QueryRouteResponse().setMessageQueuesList([queue])));
      },
      telemetry: (call: grpc.ServerDuplexStream<any, any>) => {
        this.telemetryCalls.add(call);
        call.on('close', () => this.telemetryCalls.delete(call));
        call.on('data', (command: any) => {
          if (!command.hasSettings()) return;
          const settings = settingsReply(command.getSettings());
          call.write(new svc.TelemetryCommand().setStatus(status(OK)).setSettings(settings));
        });
        call.on('end', () => call.end());
        call.on('error', () => undefined);
      },
      heartbeat: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => {
        if (this.stalled) this.stalledCalls.push(callback);
        else callback(null, ok(new svc.HeartbeatResponse()));
      },
      notifyClientTermination: (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
        callback(null, ok(new svc.NotifyClientTerminationResponse())),
      endTransaction: (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
        callback(null, ok(new svc.EndTransactionResponse())),
      sendMessage: (call: grpc.ServerUnaryCall<any, any>, callback: grpc.sendUnaryData<unknown>) =>
        this.onSend(call.request, callback, call.metadata.get('x-mq-client-id')[0]?.toString()),
      receiveMessage: (call: grpc.ServerWritableStream<any, any>) =>
        void this.groups.receive(call, this.messages),
      ackMessage: (call: grpc.ServerUnaryCall<any, any>, callback: grpc.sendUnaryData<unknown>) =>
        callback(null, this.groups.ack(call.request)),
      changeInvisibleDuration: (
        call: grpc.ServerUnaryCall<any, any>,
        callback: grpc.sendUnaryData<unknown>,
      ) => callback(null, this.groups.changeInvisibleDuration(call.request)),
    };
  }

  private onSend(request: any, callback: grpc.sendUnaryData<unknown>, clientId?: string): void {
    const messages = request.getMessagesList();
    const refused = messages.some((m: any) => {
      const id = m.getUserPropertiesMap().get('rms-message-id') as string;
      const left = this.refuse.get(id) ?? 0;
      if (left > 0) this.refuse.set(id, left - 1);
      return left > 0;
    });
    const fault =
      this.failAll ?? (this.failNext.count > 0 ? this.failNext.code : refused ? 50000 : undefined);
    if (this.stalled) {
      this.sendAttempts.push({ at: Date.now(), ok: false });
      this.stalledCalls.push(callback);
      return;
    }
    if (fault !== undefined) {
      if (this.failAll === undefined && !refused) this.failNext.count--;
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
        clientId,
      };
      this.messages.push(stored);
      return new svc.SendResultEntry()
        .setStatus(status(OK))
        .setMessageId(stored.messageId)
        .setOffset(stored.offset);
    });
    const response = new svc.SendMessageResponse().setStatus(status(OK)).setEntriesList(entries);
    if (this.sendLatencyMs > 0) setTimeout(() => callback(null, response), this.sendLatencyMs);
    else callback(null, response);
  }
}
