import type { MessageView, SimpleConsumer } from 'rocketmq-client-nodejs';
import { RocketMqSource } from './rocketmq-source';

/**
 * The RocketMQ source with its SimpleConsumer replaced. A change of invisible duration renews the
 * message's receipt handle and voids the old one, so a call made meanwhile must wait for it.
 */
describe(RocketMqSource.name, () => {
  let sut: RocketMqSource;
  let view: MessageView;
  /** The receipt handle each call was sent with, in the order they were sent. */
  let sent: string[];
  let renew: (() => void)[];

  beforeEach(() => {
    sent = [];
    renew = [];
    view = {
      topic: 't',
      tag: '',
      keys: [],
      properties: new Map([['rms-message-id', 'm1']]),
      messageGroup: 'g',
      body: Buffer.from('{}'),
      deliveryAttempt: 1,
      messageId: 'mq-1',
      receiptHandle: 'h1',
    } as unknown as MessageView;
    let handles = 1;
    const consumer = {
      receive: jest.fn().mockResolvedValue([view]),
      ack: jest.fn((mv: MessageView) => {
        sent.push(`ack ${mv.receiptHandle}`);
        return Promise.resolve();
      }),
      changeInvisibleDuration: jest.fn((mv: MessageView) => {
        sent.push(`change ${mv.receiptHandle}`);
        return new Promise<void>((resolve) =>
          renew.push(() => {
            (mv as { receiptHandle: string }).receiptHandle = `h${++handles}`;
            resolve();
          }),
        );
      }),
    };
    sut = new RocketMqSource({
      endpoints: '127.0.0.1:1',
      group: 'g',
      topics: ['t'],
      claimIdleMs: 1000,
      blockMs: 100,
    });
    (sut as unknown as { consumer: SimpleConsumer }).consumer =
      consumer as unknown as SimpleConsumer;
  });

  it('should send an ack made while a touch is under way with the handle the touch renewed', async () => {
    const [delivery] = await sut.fetch(1);
    const touched = delivery.touch();
    const acked = delivery.ack();
    await Promise.resolve();
    expect(sent).toEqual(['change h1']);
    renew.shift()!();
    await Promise.all([touched, acked]);
    expect(sent).toEqual(['change h1', 'ack h2']);
  });

  it('should still send the ack when the touch before it failed', async () => {
    const [delivery] = await sut.fetch(1);
    const consumer = (sut as unknown as { consumer: jest.Mocked<SimpleConsumer> }).consumer;
    consumer.changeInvisibleDuration.mockRejectedValueOnce(new Error('proxy unavailable'));
    await expect(delivery.touch()).rejects.toThrow('proxy unavailable');
    await delivery.ack();
    expect(sent).toEqual(['ack h1']);
  });
});
