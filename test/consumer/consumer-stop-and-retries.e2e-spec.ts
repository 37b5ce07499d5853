import { Gap, RmsConsumer, RmsConsumerOptions, RmsMessage } from '../../libs/consumer/src';
import { ConsumerHarness, Driver } from '../support/consumer-harness';
import { sleep, waitFor } from '../support/wait';

describe.each<Driver>(['redis', 'rocketmq', 'rabbitmq'])(
  'RmsConsumer on %s: stop, retries in order, gaps while retrying (e2e: the real service)',
  (driver) => {
    const h = new ConsumerHarness(driver);
    const consumers: RmsConsumer[] = [];
    let groupNo = 0;

    beforeAll(() => h.start());

    afterEach(async () => {
      await Promise.all(consumers.splice(0).map((c) => c.stop()));
    });

    afterAll(() => h.stop());

    /** A consumer (no inbox: a second delivery would reach its handler again). */
    function consumer(topic: string, options: Partial<RmsConsumerOptions>): RmsConsumer {
      const c = new RmsConsumer({
        ...h.source(),
        group: `s-${driver}-${++groupNo}-${Date.now()}`,
        topics: [topic],
        concurrency: 8,
        claimIdleMs: 1000,
        retryBaseMs: 100,
        blockMs: 200,
        handler: () => Promise.resolve(),
        ...options,
      });
      consumers.push(c);
      return c;
    }

    it('should finish and acknowledge the handler in flight at stop(), so it is never delivered again', async () => {
      const topic = await h.topic();
      const [id] = await h.publish(topic, 1);
      let started = 0;
      let finished = 0;
      const first = consumer(topic, {
        handler: async () => {
          started++;
          await sleep(600);
          finished++;
        },
      });
      await h.run(first);
      await waitFor(() => started === 1, 'the handler to start');
      await first.stop();
      expect(finished).toBe(1);

      // The same group again, after the message would have become visible again.
      const seen: string[] = [];
      const second = consumer(topic, {
        group: (first as unknown as { options: RmsConsumerOptions }).options.group,
        handler: (m) => {
          seen.push(m.id);
          return Promise.resolve();
        },
      });
      await h.run(second);
      await sleep(2500);
      expect({ seen, started }).toEqual({ seen: [], started: 1 });
      expect(first.stats.get('handled')).toBe(1);
      expect(id).toBeDefined();
    });

    it('should retry a failing message of a group before the later messages of that group', async () => {
      const topic = await h.topic();
      await h.publish(topic, 12, (i) => `group-${i % 2}`);
      const inMq = await h.inMq(topic);
      const head = inMq[0];
      const handled: RmsMessage[] = [];
      let failures = 0;
      const c = consumer(topic, {
        handler: (m) => {
          if (m.id === head && failures < 2) {
            failures++;
            return Promise.reject(new Error('not yet'));
          }
          handled.push(m);
          return Promise.resolve();
        },
      });
      await h.run(c);
      await waitFor(() => handled.length === 12, 'all 12 messages', 20_000);
      for (const g of ['group-0', 'group-1']) {
        const order = handled.filter((m) => m.messageGroup === g).map((m) => m.id);
        expect(order).toEqual(inMq.filter((id) => order.includes(id)));
      }
      expect(handled.find((m) => m.id === head)?.deliveryCount).toBe(3);
      expect(c.stats.get('retried')).toBe(2);
    });

    it('should keep the later messages of a group while an earlier one is retried, so no other consumer takes one out of order', async () => {
      const topic = await h.topic();
      await h.publish(topic, 2, () => 'one-group');
      const [head, next] = await h.inMq(topic);
      const handled: string[] = [];
      let failUntil = 0;
      const handler = (by: string) => (m: RmsMessage) => {
        // The head fails for three times claimIdleMs (1,000 ms) from its first delivery.
        if (m.id === head && (failUntil ||= Date.now() + 3000) > Date.now()) {
          return Promise.reject(new Error('not yet'));
        }
        handled.push(`${by}:${m.id}`);
        return Promise.resolve();
      };
      const a = consumer(topic, { consumerName: 'a', handler: handler('a') });
      await h.run(a);
      await waitFor(() => a.stats.get('retried') >= 1, 'the head to be retried');
      // A second process of the group, free to take whatever the first one lets go of.
      const group = (a as unknown as { options: RmsConsumerOptions }).options.group;
      await h.run(consumer(topic, { group, consumerName: 'b', handler: handler('b') }));
      await waitFor(() => handled.length >= 2, 'both messages', 20_000);
      await sleep(1500);
      expect(handled).toEqual([`a:${head}`, `a:${next}`]);
    });

    it('should not report a message that is being retried as a gap', async () => {
      const topic = await h.topic();
      const ids = await h.publish(topic, 3);
      const gaps: Gap[] = [];
      let failures = 0;
      const handled: string[] = [];
      const c = consumer(topic, {
        gapWindowMs: 400,
        retryBaseMs: 300,
        onGap: (g) => gaps.push(g),
        handler: (m) => {
          // The second message fails for well over the gap window (300 + 600 + 1000 ms).
          if (m.id === ids[1] && failures < 3) {
            failures++;
            return Promise.reject(new Error('busy'));
          }
          handled.push(m.id);
          return Promise.resolve();
        },
      });
      await h.run(c);
      await waitFor(() => handled.length === 3, 'all 3 messages', 20_000);
      await sleep(600);
      expect(gaps).toEqual([]);
    });

    it('should not acknowledge a dead letter whose onDeadLetter threw: it comes back', async () => {
      const topic = await h.topic();
      const [id] = await h.publish(topic, 1);
      const calls: string[] = [];
      const c = consumer(topic, {
        maxDeliveries: 1,
        handler: () => Promise.reject(new Error('cannot apply')),
        onDeadLetter: (m) => {
          calls.push(m.id);
          if (calls.length === 1) throw new Error('alerting is down');
        },
      });
      await h.run(c);
      // Counted once the dead letter is settled with the MQ, after the callback returned.
      await waitFor(() => c.stats.get('deadLettered') === 1, 'the dead letter settled', 15_000);
      expect(calls).toEqual([id, id]);
    });
  },
);
