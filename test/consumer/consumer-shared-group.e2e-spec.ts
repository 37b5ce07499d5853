import { DataSource } from 'typeorm';
import { Gap, RmsConsumer } from '../../libs/consumer/src';
import { createBusinessDb } from '../support/business-db';
import { ConsumerHarness } from '../support/consumer-harness';
import { sleep, waitFor } from '../support/wait';

/**
 * One consumer group in two processes (two `RmsConsumer`s with their own `consumerName`) sharing
 * one inbox: the MQ splits the stream between them, so each sees only part of the sequence
 * numbers. What the other one handled is in the group's inbox and is no gap; what neither got is.
 */
describe('RmsConsumer group in two processes (e2e: the real service, redis)', () => {
  const h = new ConsumerHarness('redis');
  let db: DataSource;
  const consumers: RmsConsumer[] = [];
  let groupNo = 0;

  beforeAll(async () => {
    await h.start();
    db = await createBusinessDb('mariadb', 'rms_consumer_shared_group');
  });

  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.stop()));
  });

  afterAll(async () => {
    await db.destroy();
    await h.stop();
  });

  /** Two running consumers of one fresh group; `handled` counts per consumer. */
  async function twoProcesses(topic: string, gaps: Gap[]) {
    const group = `shared-${++groupNo}-${Date.now()}`;
    const handled = [0, 0];
    for (const i of [0, 1]) {
      const consumer = new RmsConsumer({
        ...h.source(),
        group,
        consumerName: `process-${i}`,
        topics: [topic],
        dataSource: db,
        // One at a time and slow: the two take turns at the stream.
        concurrency: 1,
        blockMs: 100,
        // Long enough for the other process to commit what it took, on a loaded machine.
        gapWindowMs: 3000,
        onGap: (g) => gaps.push(g),
        handler: async () => {
          await sleep(20);
          handled[i]++;
        },
      });
      consumers.push(consumer);
      await h.run(consumer);
    }
    return handled;
  }

  it('should not report what the other process handled as a gap', async () => {
    const topic = await h.topic();
    const gaps: Gap[] = [];
    const handled = await twoProcesses(topic, gaps);
    await h.publish(topic, 20);
    await waitFor(() => handled[0] + handled[1] === 20, 'the 20 messages');
    expect(Math.min(...handled)).toBeGreaterThan(0); // the stream was shared
    await sleep(4000);
    expect(gaps).toEqual([]);
  });

  it('should report a message neither process got, once', async () => {
    const topic = await h.topic();
    const gaps: Gap[] = [];
    const ids = await h.publish(topic, 20);
    await h.remove(topic, ids[9]);
    const handled = await twoProcesses(topic, gaps);
    await waitFor(() => handled[0] + handled[1] === 19, 'the 19 messages');
    await waitFor(() => gaps.length > 0, 'the gap report', 10_000);
    await sleep(2000);
    // Once for the group: the process that stored the gap first reports it, the other does not.
    expect(gaps.map((g) => `${g.fromSeq}-${g.toSeq}`)).toEqual(['10-10']);
  });
});
