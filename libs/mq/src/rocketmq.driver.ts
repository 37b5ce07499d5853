import { EventEmitter } from 'node:events';
import { Producer } from 'rocketmq-client-nodejs';
import { MqDriver, MqReceipt, MqSendError, OutgoingMessage, withTimeout } from './mq-driver';

export interface RocketMqDriverOptions {
  endpoints: string;
  namespace?: string;
  accessKey?: string;
  secretKey?: string;
  /** One gRPC request's timeout (the client's minimum is 1000). */
  requestTimeoutMs?: number;
  logger: { info(msg: string): void; warn(msg: string): void; error(msg: string): void };
}

const STARTUP_TIMEOUT_MS = 10_000;
const PING_TIMEOUT_MS = 1_000;
const STATUS_OK = 20000;

/**
 * The parts of the client (1.0.8, pinned) that the readiness probe uses: the client has no public
 * call that reaches the proxy without sending. `rocketmq.driver.spec.ts` fails if they move.
 */
export interface ClientInternals {
  endpoints: unknown;
  rpcClientManager: {
    heartbeat(
      endpoints: unknown,
      request: unknown,
      timeoutMs: number,
    ): Promise<{ getStatus(): { getCode(): number } | undefined }>;
  };
  wrapHeartbeatRequest(): unknown;
}
const SHUTDOWN_TIMEOUT_MS = 5_000;

/**
 * RocketMQ status codes that retrying the same message cannot fix: bad request (400xx),
 * unauthorized (401xx), payment required (402xx), forbidden (403xx), not found such as an
 * unknown topic (404xx), payload too large (413xx), unsupported (501xx).
 */
export function isPermanentRocketMqCode(code: number): boolean {
  const family = Math.floor(code / 100);
  return [400, 401, 402, 403, 404, 413, 501].includes(family);
}

const DESCRIPTIONS: Record<number, string> = {
  40402: 'topic not found',
  41301: 'message body too large',
  40301: 'forbidden',
  40101: 'unauthorized',
};

/** Wraps a client error into an `MqSendError` that says plainly what happened. */
export function classifyRocketMqError(error: unknown): MqSendError {
  const e = error as { code?: unknown; message?: string };
  const message = e?.message ?? String(error);
  // ClientException: a RocketMQ status code (5 digits). gRPC errors: small numeric codes.
  if (typeof e?.code === 'number' && e.code >= 10000) {
    const permanent = isPermanentRocketMqCode(e.code);
    const what = DESCRIPTIONS[e.code] ?? (permanent ? 'rejected' : 'failed');
    return new MqSendError(`rocketmq ${what} (code ${e.code}): ${message}`, permanent, e.code);
  }
  return new MqSendError(
    `rocketmq unreachable: ${message}`,
    false,
    typeof e?.code === 'number' ? e.code : undefined,
  );
}

/** Producers being shut down: they get no new telemetry streams. */
const retired = new WeakSet<Producer>();

/**
 * Two flaws of the client's telemetry session, contained here:
 * - it releases a stream by ending it and removing all its listeners; if the proxy cancels that
 *   stream later, its 'error' event has no listener and would crash the process. Such an error is
 *   about a stream nobody uses any more, so it is dropped;
 * - every stream error or end schedules a new stream in 1 s, even after `shutdown()`, so a
 *   retired client would reconnect forever. A retired producer gets an inert stream instead,
 *   which never errors, and the loop ends.
 */
function guardTelemetryStreams(producer: Producer): void {
  const client = producer as unknown as {
    createTelemetryStream(endpoints: unknown): NodeJS.EventEmitter;
  };
  const create = client.createTelemetryStream.bind(client);
  client.createTelemetryStream = (endpoints: unknown) => {
    if (retired.has(producer)) {
      return Object.assign(new EventEmitter(), { write: () => true, end: () => undefined });
    }
    const stream = create(endpoints);
    const emit = stream.emit.bind(stream);
    stream.emit = (event: string | symbol, ...args: unknown[]): boolean =>
      event === 'error' && stream.listenerCount('error') === 0 ? false : emit(event, ...args);
    return stream;
  };
}

/**
 * RocketMQ 5 through its gRPC proxy. The client's own retries are off (`maxAttempts: 1`): the
 * service owns retries and backoff. Startup and shutdown run under timeouts; a client that failed
 * to start is shut down and a fresh one is tried on the next send.
 */
export class RocketMqDriver implements MqDriver {
  readonly name = 'rocketmq';
  private producer?: Producer;
  private starting?: Promise<Producer>;
  private stopped = false;

  constructor(private readonly options: RocketMqDriverOptions) {}

  async start(): Promise<void> {
    try {
      await this.ready();
    } catch (error) {
      this.options.logger.warn(
        `rocketmq not reachable at start, will retry on send: ${(error as Error).message}`,
      );
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const producer = this.producer ?? (await this.starting?.catch(() => undefined));
    this.producer = undefined;
    if (producer) await this.shutdownQuietly(producer);
  }

  async send(message: OutgoingMessage): Promise<MqReceipt> {
    let producer: Producer;
    try {
      producer = await this.ready();
    } catch (error) {
      throw new MqSendError(`rocketmq unreachable: ${(error as Error).message}`, false);
    }
    try {
      const receipt = await producer.send({
        topic: message.topic,
        body: message.body,
        ...(message.tag ? { tag: message.tag } : {}),
        keys: message.keys,
        ...(message.messageGroup ? { messageGroup: message.messageGroup } : {}),
        properties: new Map(Object.entries(message.properties)),
      });
      return { messageId: receipt.messageId };
    } catch (error) {
      throw classifyRocketMqError(error);
    }
  }

  /** A real round trip: a Heartbeat RPC to the proxy, answered OK within a second. */
  async ping(): Promise<boolean> {
    try {
      const client = (await this.ready()) as unknown as ClientInternals;
      const response = await client.rpcClientManager.heartbeat(
        client.endpoints,
        client.wrapHeartbeatRequest(),
        PING_TIMEOUT_MS,
      );
      return response.getStatus()?.getCode() === STATUS_OK;
    } catch {
      return false;
    }
  }

  private ready(): Promise<Producer> {
    if (this.stopped) return Promise.reject(new Error('driver stopped'));
    if (this.producer) return Promise.resolve(this.producer);
    this.starting ??= this.startProducer().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async startProducer(): Promise<Producer> {
    const { endpoints, namespace, accessKey, secretKey, requestTimeoutMs, logger } = this.options;
    const producer = new Producer({
      endpoints,
      namespace: namespace ?? '',
      ...(accessKey && secretKey
        ? { sessionCredentials: { accessKey, accessSecret: secretKey } }
        : {}),
      requestTimeout: Math.max(1000, requestTimeoutMs ?? 3000),
      maxAttempts: 1,
      logger: {
        info: () => undefined,
        debug: () => undefined,
        warn: (...args: unknown[]) => logger.warn(`rocketmq client: ${args.map(String).join(' ')}`),
        error: (...args: unknown[]) =>
          logger.error(`rocketmq client: ${args.map(String).join(' ')}`),
      },
    });
    guardTelemetryStreams(producer);
    try {
      await withTimeout(
        producer.startup(),
        STARTUP_TIMEOUT_MS,
        `startup timed out after ${STARTUP_TIMEOUT_MS} ms`,
      );
    } catch (error) {
      await this.shutdownQuietly(producer);
      throw error;
    }
    if (this.stopped) {
      await this.shutdownQuietly(producer);
      throw new Error('driver stopped');
    }
    this.producer = producer;
    return producer;
  }

  private async shutdownQuietly(producer: Producer): Promise<void> {
    retired.add(producer);
    try {
      await withTimeout(producer.shutdown(), SHUTDOWN_TIMEOUT_MS, 'shutdown timed out');
    } catch (error) {
      this.options.logger.warn(`rocketmq shutdown: ${(error as Error).message}`);
    }
  }
}
