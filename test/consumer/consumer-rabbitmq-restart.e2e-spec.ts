import { DataSource } from 'typeorm';
import { RmsConsumer } from '../../libs/consumer/src';
import { createBusinessDb } from '../support/business-db';
import { ConsumerHarness } from '../support/consumer-harness';
import { restartBroker } from '../support/rabbitmq';
import { sleep, waitFor } from '../support/wait';

describe('RmsConsumer on rabbitmq through a broker restart (e2e: the real service and broker)', () => {
  const h = new ConsumerHarness('rabbitmq');
  let db: DataSource;
  let consumer: RmsConsumer | undefined;

  beforeAll(async () => {
    await h.start();
    db = await createBusinessDb('mariadb', 'rms_consumer_rabbitmq_restart');
  });

  afterAll(async () => {
    await consumer?.stop();
    await db.destroy();
    await h.stop();
  });

  it('should connect again and handle every message once, those before and after the restart', async () => {
    const topic = await h.topic();
    const before = await h.publish(topic, 200);
    const seen: string[] = [];
    const errors: unknown[] = [];
    consumer = new RmsConsumer({
      ...h.source(),
      group: `restart-${Date.now()}`,
      topics: [topic],
      dataSource: db,
      concurrency: 4,
      blockMs: 200,
      claimIdleMs: 2000,
      handler: async (m) => {
        await sleep(5);
        seen.push(m.id);
      },
      onError: (e) => errors.push(e),
    });
    await h.run(consumer);
    await waitFor(() => seen.length >= 50, '50 handled');
    await restartBroker(1000);
    await h.rabbit!.reopen();
    const after = await h.publish(topic, 200);

    await waitFor(() => new Set(seen).size === 400, 'all 400 handled', 60_000, 100);
    await sleep(500);
    expect(new Set(seen)).toEqual(new Set([...before, ...after]));
    // Once each: what the restart cut off before its ack came back and was skipped by the inbox.
    expect(seen).toHaveLength(400);
    // The restart was noticed (a fetch or an ack failed) and got over.
    expect(errors.length).toBeGreaterThan(0);
  }, 120_000);
});
