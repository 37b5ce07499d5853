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

  it('should send an ack made while a touch is under way after the touch, even when it fails', async () => {
    const [delivery] = await sut.fetch(1);
    const consumer = (sut as unknown as { consumer: jest.Mocked<SimpleConsumer> }).consumer;
    let fail!: (error: Error) => void;
    consumer.changeInvisibleDuration.mockImplementationOnce((mv: MessageView) => {
      sent.push(`change ${mv.receiptHandle}`);
      return new Promise<void>((_, reject) => (fail = reject));
    });
    const touched = delivery.touch();
    const acked = delivery.ack();
    await Promise.resolve();
    expect(sent).toEqual(['change h1']);
    fail(new Error('proxy unavailable'));
    await expect(touched).rejects.toThrow('proxy unavailable');
    await acked;
    expect(sent).toEqual(['change h1', 'ack h1']);
  });

  it('should not keep a message alive once it is handed back for a retry, nor queue touches', async () => {
    const [delivery] = await sut.fetch(1);
    const first = delivery.touch();
    const second = delivery.touch(); // the first one still waits for the proxy
    await Promise.resolve();
    renew.shift()!();
    await Promise.all([first, second]);
    const retry = delivery.retryLater(5000);
    const late = delivery.touch(); // the keep-alive's timer fired before it was cleared
    await Promise.resolve();
    renew.shift()!();
    await Promise.all([retry, late]);
    expect(sent).toEqual(['change h1', 'change h2']);
  });
});
