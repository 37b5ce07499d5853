import { MqSendError, RocketMqDriver } from '../libs/mq/src';
import { RocketMqEmulator } from './support/rocketmq-emulator';
import { receiveAll, shutdownQuietly, startConsumer } from './support/rocketmq-consumer';

const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe(`${RocketMqDriver.name} against the proxy emulator`, () => {
  let emulator: RocketMqEmulator;
  let driver: RocketMqDriver;

  beforeAll(async () => {
    emulator = new RocketMqEmulator();
    await emulator.start();
    driver = new RocketMqDriver({ endpoints: emulator.endpoints, logger });
    await driver.start();
  });

  afterEach(() => emulator.recover());

  afterAll(async () => {
    await driver.stop();
    await emulator.stop();
  });

  it('should send with the receipt id and let a SimpleConsumer receive topic, tag, keys and properties', async () => {
    const receipt = await driver.send({
      topic: 'driver-topic',
      tag: 'created',
      keys: ['k1', 'k2'],
      properties: { 'rms-message-id': 'm1', region: 'eu' },
      messageGroup: null,
      body: Buffer.from('hello'),
    });
    expect(receipt.messageId).toBe(emulator.messages[0].messageId);

    // Shut the consumer down before another test restarts the proxy under it.
    const consumer = await startConsumer(emulator.endpoints, 'driver-topic');
    const [view] = await receiveAll(consumer, 1).finally(() => shutdownQuietly(consumer));
    expect(view.topic).toBe('driver-topic');
    expect(view.tag).toBe('created');
    expect(view.keys).toEqual(['k1', 'k2']);
    expect(view.properties.get('rms-message-id')).toBe('m1');
    expect(view.properties.get('region')).toBe('eu');
    expect(view.body.toString()).toBe('hello');
    expect(view.messageId).toBe(receipt.messageId);
  });

  it('should report an unknown topic as a permanent error and a 500 as a transient one', async () => {
    const message = {
      topic: 't',
      tag: null,
      keys: [],
      properties: {},
      messageGroup: null,
      body: Buffer.from('x'),
    };
    emulator.failNextSends(1, 40402);
    const notFound = await driver.send(message).catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(MqSendError);
    expect((notFound as MqSendError).permanent).toBe(true);
    expect((notFound as MqSendError).message).toContain('topic not found');

    emulator.failNextSends(1, 50000);
    const internal = await driver.send(message).catch((e: unknown) => e);
    expect((internal as MqSendError).permanent).toBe(false);
    // the client's own retries are off: one failed send is one request
    expect(emulator.sendAttempts.filter((a) => !a.ok)).toHaveLength(2);
    await expect(driver.send(message)).resolves.toHaveProperty('messageId');
  });

  it('should fail fast while the proxy refuses connections and work again when it is back', async () => {
    const message = {
      topic: 't2',
      tag: null,
      keys: [],
      properties: {},
      messageGroup: null,
      body: Buffer.from('x'),
    };
    await driver.send(message);
    await emulator.stop();
    const error = await driver.send(message).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MqSendError);
    expect((error as MqSendError).permanent).toBe(false);
    await emulator.start();
    let sent = false;
    for (let i = 0; i < 50 && !sent; i++) {
      sent = await driver.send(message).then(
        () => true,
        () => new Promise<boolean>((r) => setTimeout(() => r(false), 200)),
      );
    }
    expect(sent).toBe(true);
  });

  it('should be ready only while the proxy answers a round trip, and not while it stalls', async () => {
    expect(await driver.ping()).toBe(true);
    await emulator.stop();
    expect(await driver.ping()).toBe(false);
    await emulator.start();
    let ready = false;
    for (let i = 0; i < 50 && !ready; i++) {
      ready = await driver.ping();
      if (!ready) await new Promise((r) => setTimeout(r, 200));
    }
    expect(ready).toBe(true);
    emulator.stall();
    expect(await driver.ping()).toBe(false);
  });
});
