import { DataSource } from 'typeorm';
import { Gap, RmsConsumer, RmsConsumerOptions, RmsMessage } from '../../libs/consumer/src';
import { createBusinessDb } from '../support/business-db';
import { ConsumerHarness, Driver } from '../support/consumer-harness';
import { sleep, waitFor } from '../support/wait';

describe.each<Driver>(['redis', 'rocketmq', 'rabbitmq'])(
  'RmsConsumer on %s (e2e: the real service)',
  (driver) => {
    const h = new ConsumerHarness(driver);
    let db: DataSource;
    const consumers: RmsConsumer[] = [];
    let groupNo = 0;

    beforeAll(async () => {
      await h.start();
      db = await createBusinessDb('mariadb', `rms_consumer_${driver}`);
    });

    afterEach(async () => {
      await Promise.all(consumers.splice(0).map((c) => c.stop()));
    });

    afterAll(async () => {
      await db.destroy();
      await h.stop();
    });

    /** A running consumer of a fresh group with an inbox; `seen` lists what its handler saw. */
    async function consume(topic: string, options: Partial<RmsConsumerOptions> = {}) {
      const seen: RmsMessage[] = [];
      const consumer = new RmsConsumer({
        ...h.source(),
        group: `g-${driver}-${++groupNo}-${Date.now()}`,
        topics: [topic],
        dataSource: db,
        concurrency: 8,
        claimIdleMs: 1000,
        retryBaseMs: 50,
        blockMs: 200,
        handler: (message) => {
          seen.push(message);
          return Promise.resolve();
        },
        ...options,
      });
      consumers.push(consumer);
      await h.run(consumer);
      return { consumer, seen };
    }

    it('should handle a message delivered twice once', async () => {
      const topic = await h.topic();
      const [id] = await h.publish(topic, 1);
      await h.duplicate(topic, id);
      const { consumer, seen } = await consume(topic);
      await waitFor(
        () => consumer.stats.get('handled') + consumer.stats.get('duplicates') === 2,
        'both deliveries',
      );
      expect(seen.map((m) => m.id)).toEqual([id]);
      expect(consumer.stats.get('duplicates')).toBe(1);
      expect(seen[0]).toMatchObject({
        producerId: h.producer.id,
        topic,
        seq: 1,
        deliveryCount: 1,
        messageGroup: null,
        tag: 'created',
      });
      expect(seen[0].body.toString()).toBe('m-0');
    });

    it('should take over the entries of a consumer that died before acknowledging them', async () => {
      const topic = await h.topic();
      const ids = await h.publish(topic, 5);
      const group = `takeover-${driver}-${Date.now()}`;
      await h.receiveAndDie(group, topic, 5);
      const { seen } = await consume(topic, { group });
      await waitFor(() => seen.length === 5, 'the dead consumer’s 5 messages', 15_000);
      expect(seen.map((m) => m.id).sort()).toEqual([...ids].sort());
      expect(seen.every((m) => m.deliveryCount >= 2)).toBe(true);
    });

    it('should report a lost entry as a gap once, within the window', async () => {
      const topic = await h.topic();
      const ids = await h.publish(topic, 5);
      await h.remove(topic, ids[2]);
      const gaps: Gap[] = [];
      const { consumer } = await consume(topic, { gapWindowMs: 1000, onGap: (g) => gaps.push(g) });
      await waitFor(() => gaps.length === 1, 'the gap report', 5_000);
      await sleep(1500);
      expect(gaps).toEqual([{ producerId: h.producer.id, topic, fromSeq: 3, toSeq: 3 }]);
      expect(consumer.stats.get('gapsReported')).toBe(1);
      expect(consumer.stats.prometheus('g')).toContain(
        'rms_consumer_gaps_reported_total{group="g"} 1',
      );
    });

    it('should close a hole without a report when the missing message arrives late', async () => {
      const topic = await h.topic();
      const ids = await h.publish(topic, 5);
      const fields = driver === 'redis' ? await h.redisFields(topic, ids[2]) : undefined;
      await h.remove(topic, ids[2]);
      const gaps: Gap[] = [];
      const { seen } = await consume(topic, { gapWindowMs: 1500, onGap: (g) => gaps.push(g) });
      await waitFor(() => seen.length === 4, 'the 4 messages');
      await h.duplicate(topic, ids[2], fields);
      await waitFor(() => seen.length === 5, 'the late one');
      await sleep(2500);
      expect(gaps).toEqual([]);
    });

    it('should dead-letter a message whose handler always fails, after maxDeliveries, and handle the rest', async () => {
      const topic = await h.topic();
      const ids = await h.publish(topic, 4);
      const dead: RmsMessage[] = [];
      const { consumer, seen } = await consume(topic, {
        maxDeliveries: 3,
        claimIdleMs: 1000,
        handler: (m) => {
          if (m.id === ids[1]) return Promise.reject(new Error('cannot apply'));
          seen.push(m);
          return Promise.resolve();
        },
        onDeadLetter: (m) => dead.push(m),
      });
      // Counted once the dead letter is settled with the MQ, after onDeadLetter returned.
      await waitFor(() => consumer.stats.get('deadLettered') === 1, 'the dead letter', 20_000);
      expect(dead).toHaveLength(1);
      expect(dead[0]).toMatchObject({ id: ids[1], deliveryCount: 3 });
      expect(seen.map((m) => m.id).sort()).toEqual([ids[0], ids[2], ids[3]].sort());
      expect(consumer.stats.get('retried')).toBe(2);
      if (driver === 'rabbitmq') {
        const group = (consumer as unknown as { options: { group: string } }).options.group;
        const [deadLetter] = await h.rabbit!.drain(`rms.${group}.dead-letters`);
        expect(deadLetter.properties.messageId).toBe(ids[1]);
      }
      if (driver === 'redis') {
        const [[, fields]] = await h.redis.xrange(
          `rms:dlq:${consumers[0] ? (consumer as unknown as { options: { group: string } }).options.group : ''}:${topic}`,
          '-',
          '+',
        );
        expect(fields).toEqual(
          expect.arrayContaining(['rms-dlq-reason', 'cannot apply', 'rms-dlq-deliveries', '3']),
        );
      }
    });

    it('should handle each messageGroup in stream order with concurrency 8', async () => {
      const topic = await h.topic();
      await h.publish(topic, 120, (i) => `group-${i % 4}`);
      const inMq = await h.inMq(topic);
      const { seen } = await consume(topic, {
        handler: async (m) => {
          await sleep(Math.random() * 15);
          seen.push(m);
        },
      });
      await waitFor(() => seen.length === 120, 'all 120 messages', 20_000);
      for (let g = 0; g < 4; g++) {
        const handled = seen.filter((m) => m.messageGroup === `group-${g}`).map((m) => m.id);
        const expected = inMq.filter((id) => handled.includes(id));
        expect(handled).toEqual(expected);
      }
    });
  },
);
