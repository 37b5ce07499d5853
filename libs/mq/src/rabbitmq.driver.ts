import * as amqp from 'amqplib';
import { MqDriver, MqReceipt, MqSendError, OutgoingMessage, withTimeout } from './mq-driver';

export interface RabbitMqDriverOptions {
  /** `amqp://user:pass@host:5672/vhost` (`amqps://` for TLS). */
  url: string;
  /** The durable topic exchange messages are published to; default `rms`. */
  exchange?: string;
  logger: { info(msg: string): void; warn(msg: string): void; error(msg: string): void };
}

/** Headers that carry what AMQP has no property for. */
export const RABBITMQ_HEADERS = {
  /** The topic (also the routing key, which a dead-letter or shovel hop may change). */
  topic: 'rms-topic',
  tag: 'rms-tag',
  keys: 'rms-keys',
  messageGroup: 'rms-message-group',
  /** Tells this process's publishes apart, to match a returned message to its publish. */
  publishId: 'rms-publish-id',
} as const;

const CONNECT_TIMEOUT_MS = 5_000;
const PING_TIMEOUT_MS = 1_000;
const CLOSE_TIMEOUT_MS = 2_000;
/** After a failed connect, sends fail at once for this long instead of each dialling again. */
const RECONNECT_PAUSE_MS = 500;
/** AMQP reply code of a mandatory message that no queue is bound for. */
const NO_ROUTE = 312;

interface Session {
  connection: amqp.ChannelModel;
  channel: amqp.ConfirmChannel;
  /** Publishes waiting for the broker's ack, by publish id (for basic.return). */
  inFlight: Map<string, { returned?: string }>;
}

/**
 * RabbitMQ as the MQ: each message is published to a durable topic exchange (`rms`, routing key =
 * topic) on a confirm channel, `persistent` and `mandatory`. It is sent only once the broker acks
 * it: a message no queue is bound for comes back (basic.return, before the ack) and is a failed
 * send, retried like any other, never SENT; a nack or a channel that closes first is a failed
 * send too. The message id is the AMQP `messageId`; the service's `rms-*` properties and the
 * producer's properties are headers, with the topic, tag, keys and group as `rms-topic`,
 * `rms-tag`, `rms-keys` (JSON) and `rms-message-group`.
 *
 * One connection and one confirm channel, made when first needed and made again after either
 * closes (broker restart, network loss, a channel error), so a broker that is down at start or
 * goes away later only fails the sends in between.
 */
export class RabbitMqDriver implements MqDriver {
  readonly name = 'rabbitmq';
  private readonly exchange: string;
  private session?: Promise<Session>;
  private failedAt = 0;
  private lastFailure?: Error;
  private stopped = false;
  private publishes = 0;

  constructor(private readonly options: RabbitMqDriverOptions) {
    this.exchange = options.exchange ?? 'rms';
  }

  /** Connects; a broker that is down is not an error here: sends fail (and are retried) until it is back. */
  async start(): Promise<void> {
    await this.open().catch((error: Error) =>
      this.options.logger.warn(`rabbitmq not reachable at start: ${error.message}`),
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const session = this.session
      ? await withTimeout(this.session, CLOSE_TIMEOUT_MS, 'connect still under way').catch(
          () => undefined,
        )
      : undefined;
    this.session = undefined;
    if (session) {
      await withTimeout(session.connection.close(), CLOSE_TIMEOUT_MS, 'close timed out').catch(
        () => undefined,
      );
    }
  }

  async send(message: OutgoingMessage): Promise<MqReceipt> {
    let session: Session;
    try {
      session = await this.open();
    } catch (error) {
      throw new MqSendError(`rabbitmq unreachable: ${(error as Error).message}`, false);
    }
    const id = message.properties['rms-message-id'] ?? '';
    // Each publish has an id of its own, so a return is matched to exactly its publish, even
    // with two attempts of one message in flight.
    const publishId = String(++this.publishes);
    const entry: { returned?: string } = {};
    session.inFlight.set(publishId, entry);
    const done = () => session.inFlight.delete(publishId);
    return new Promise<MqReceipt>((resolve, reject) => {
      const confirmed = (error: unknown) => {
        done();
        if (error) {
          const reason = error instanceof Error ? error.message : JSON.stringify(error);
          reject(new MqSendError(`rabbitmq did not confirm the message: ${reason}`, false));
        } else if (entry.returned !== undefined) {
          reject(
            new MqSendError(
              `rabbitmq returned the message (${entry.returned}): no queue is bound to exchange "${this.exchange}" for routing key "${message.topic}"`,
              false,
              NO_ROUTE,
            ),
          );
        } else {
          resolve({ messageId: id });
        }
      };
      try {
        session.channel.publish(
          this.exchange,
          message.topic,
          message.body,
          {
            persistent: true,
            mandatory: true,
            messageId: id,
            timestamp: Math.floor(Date.now() / 1000),
            headers: {
              ...message.properties,
              [RABBITMQ_HEADERS.topic]: message.topic,
              [RABBITMQ_HEADERS.publishId]: publishId,
              ...(message.tag !== null ? { [RABBITMQ_HEADERS.tag]: message.tag } : {}),
              ...(message.keys.length
                ? { [RABBITMQ_HEADERS.keys]: JSON.stringify(message.keys) }
                : {}),
              ...(message.messageGroup !== null
                ? { [RABBITMQ_HEADERS.messageGroup]: message.messageGroup }
                : {}),
            },
          },
          confirmed,
        );
      } catch (error) {
        // The channel closed between open() and publish (IllegalOperationError).
        done();
        reject(new MqSendError(`rabbitmq channel closed: ${(error as Error).message}`, false));
      }
    });
  }

  /** A real round trip: the broker answers a check of the exchange on the confirm channel. */
  async ping(): Promise<boolean> {
    try {
      const session = await withTimeout(this.open(), PING_TIMEOUT_MS, 'no connection');
      await withTimeout(session.channel.checkExchange(this.exchange), PING_TIMEOUT_MS, 'no answer');
      return true;
    } catch {
      return false;
    }
  }

  /** The current session, or a new one (connection, confirm channel, exchange declared). */
  private open(): Promise<Session> {
    if (this.stopped) return Promise.reject(new Error('the driver is stopped'));
    if (this.session) return this.session;
    if (Date.now() - this.failedAt < RECONNECT_PAUSE_MS && this.lastFailure) {
      return Promise.reject(this.lastFailure);
    }
    const session = this.connect();
    this.session = session;
    session.catch((error: Error) => {
      if (this.session === session) this.session = undefined;
      this.failedAt = Date.now();
      this.lastFailure = error;
    });
    return session;
  }

  private async connect(): Promise<Session> {
    const connection = await amqp.connect(this.options.url, { timeout: CONNECT_TIMEOUT_MS });
    try {
      // The socket has its timeout; a broker that then stalls must not hold every send.
      const channel = await withTimeout(
        connection.createConfirmChannel(),
        CONNECT_TIMEOUT_MS,
        'no channel within 5 s',
      );
      await withTimeout(
        channel.assertExchange(this.exchange, 'topic', { durable: true }),
        CONNECT_TIMEOUT_MS,
        'exchange not declared within 5 s',
      );
      const session: Session = { connection, channel, inFlight: new Map() };
      const promise = this.session;
      const drop = (what: string) => (error?: Error) => {
        if (this.session !== promise) return;
        this.session = undefined;
        if (!this.stopped) {
          this.options.logger.warn(
            `rabbitmq ${what} closed${error ? `: ${error.message}` : ''}; reconnecting on the next send`,
          );
          connection.close().catch(() => undefined);
        }
      };
      connection.on('error', () => undefined);
      connection.on('close', drop('connection'));
      channel.on('error', () => undefined);
      channel.on('close', drop('channel'));
      channel.on('return', (returned: amqp.Message) => {
        const publishId: unknown = returned.properties.headers?.[RABBITMQ_HEADERS.publishId];
        const entry = session.inFlight.get(String(publishId));
        // basic.return carries the reply code and text beside the usual fields.
        const fields = returned.fields as amqp.MessageFields & {
          replyCode?: number;
          replyText?: string;
        };
        if (entry)
          entry.returned = `${fields.replyCode ?? NO_ROUTE} ${fields.replyText ?? ''}`.trim();
      });
      this.options.logger.info(`rabbitmq connected; publishing to exchange "${this.exchange}"`);
      return session;
    } catch (error) {
      await connection.close().catch(() => undefined);
      throw error;
    }
  }
}
