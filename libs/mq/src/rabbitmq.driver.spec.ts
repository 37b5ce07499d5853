import { EventEmitter } from 'node:events';
import * as amqp from 'amqplib';
import { OutgoingMessage } from './mq-driver';
import { RabbitMqDriver } from './rabbitmq.driver';

jest.mock('amqplib', () => ({ connect: jest.fn() }));

type Confirm = (err: unknown) => void;

/** A confirm channel that answers when the test says so. */
class FakeChannel extends EventEmitter {
  readonly published: { headers: Record<string, unknown>; confirm: Confirm }[] = [];
  assertExchange = jest.fn().mockResolvedValue({});
  publish(_e: string, _k: string, _b: Buffer, options: amqp.Options.Publish, confirm: Confirm) {
    this.published.push({ headers: options.headers as Record<string, unknown>, confirm });
    return true;
  }
  /** basic.return of a published message, then its ack (the broker's order). */
  returnAndAck(i: number): void {
    const { headers, confirm } = this.published[i];
    this.emit('return', {
      fields: { replyCode: 312, replyText: 'NO_ROUTE' },
      properties: { headers },
      content: Buffer.alloc(0),
    });
    confirm(null);
  }
}

const message = (properties: Record<string, string>): OutgoingMessage => ({
  topic: 't',
  tag: null,
  keys: [],
  properties,
  messageGroup: null,
  body: Buffer.from('b'),
});

describe(RabbitMqDriver.name, () => {
  let channel: FakeChannel;
  let sut: RabbitMqDriver;

  beforeEach(() => {
    channel = new FakeChannel();
    const connection = Object.assign(new EventEmitter(), {
      createConfirmChannel: jest.fn().mockResolvedValue(channel),
      close: jest.fn().mockResolvedValue(undefined),
    });
    jest.mocked(amqp.connect).mockResolvedValue(connection as never);
    const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
    sut = new RabbitMqDriver({ url: 'amqp://127.0.0.1', logger: quiet });
  });

  it('should fail the returned publish and no other, whatever their message ids', async () => {
    // Two attempts of one message in flight (the first timed out at the service), and one
    // message without an id: the return of the second must not touch the first or the third.
    const first = sut.send(message({ 'rms-message-id': 'm1' }));
    const second = sut.send(message({ 'rms-message-id': 'm1' }));
    const third = sut.send(message({}));
    await new Promise((r) => setImmediate(r));
    expect(channel.published).toHaveLength(3);

    channel.returnAndAck(1);
    channel.published[0].confirm(null);
    channel.published[2].confirm(null);

    await expect(second).rejects.toThrow('rabbitmq returned the message (312 NO_ROUTE)');
    await expect(first).resolves.toEqual({ messageId: 'm1' });
    await expect(third).resolves.toEqual({ messageId: '' });
  });

  it('should fail a send whose confirm reports an error (a nack, or the channel closed)', async () => {
    const sent = sut.send(message({ 'rms-message-id': 'm2' }));
    await new Promise((r) => setImmediate(r));
    channel.published[0].confirm(new Error('channel closed'));
    await expect(sent).rejects.toMatchObject({
      message: 'rabbitmq did not confirm the message: channel closed',
      permanent: false,
    });
  });
});
