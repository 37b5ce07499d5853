import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import * as amqp from 'amqplib';
import { TEST_RABBITMQ_URL } from './test-env';
import { waitFor } from './wait';

const run = promisify(execFile);

/** An exchange name of the suite's own, so that suites never see each other's messages. */
export const suiteExchange = (name: string) => `rms-test-${name}-${randomBytes(3).toString('hex')}`;

/** A connection and channel to the test broker, for declaring and inspecting queues. */
export class RabbitAdmin {
  connection!: amqp.ChannelModel;
  channel!: amqp.Channel;

  async open(): Promise<this> {
    this.connection = await amqp.connect(TEST_RABBITMQ_URL);
    this.connection.on('error', () => undefined);
    this.channel = await this.connection.createChannel();
    this.channel.on('error', () => undefined);
    return this;
  }

  /** Opens again after the broker went away (a stop_app closes every connection). */
  async reopen(): Promise<void> {
    await this.connection.close().catch(() => undefined);
    await waitFor(
      () =>
        this.open().then(
          () => true,
          () => false,
        ),
      'the broker',
      30_000,
      250,
    );
  }

  async close(): Promise<void> {
    await this.connection.close().catch(() => undefined);
  }

  /** A durable queue bound to `exchange` for `topic` (routing key). */
  async bind(exchange: string, topic: string, queue = `q-${topic}`): Promise<string> {
    await this.channel.assertExchange(exchange, 'topic', { durable: true });
    await this.channel.assertQueue(queue, { durable: true });
    await this.channel.bindQueue(queue, exchange, topic);
    return queue;
  }

  /** Takes every message of a queue (acknowledged: the queue is empty afterwards). */
  async drain(queue: string): Promise<amqp.GetMessage[]> {
    const got: amqp.GetMessage[] = [];
    for (;;) {
      const m = await this.channel.get(queue, { noAck: true });
      if (!m) return got;
      got.push(m);
    }
  }

  async count(queue: string): Promise<number> {
    return (await this.channel.checkQueue(queue)).messageCount;
  }

  async deleteAll(exchange: string, queues: string[]): Promise<void> {
    for (const q of queues) await this.channel.deleteQueue(q).catch(() => undefined);
    await this.channel.deleteExchange(exchange).catch(() => undefined);
  }
}

/** `rabbitmqctl stop_app` / `start_app`: the broker goes away and comes back with what is durable. */
export async function restartBroker(downMs: number): Promise<void> {
  const ctl = (...args: string[]) => run('rabbitmqctl', args, { timeout: 60_000 });
  try {
    await ctl('stop_app');
    await new Promise((r) => setTimeout(r, downMs));
  } finally {
    // Whatever happened, the shared broker is left running for the suites after this one.
    await ctl('start_app');
    await ctl('await_startup').catch(() => undefined);
  }
}
