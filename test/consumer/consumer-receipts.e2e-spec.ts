import { randomBytes } from 'node:crypto';
import { RmsConsumer, RmsMessage } from '../../libs/consumer/src';
import { DataSource } from 'typeorm';
import { createBusinessDb } from '../support/business-db';
import { ConsumerHarness, Driver } from '../support/consumer-harness';
import { call } from '../support/http';
import { sleep, waitFor } from '../support/wait';

const ADMIN = 'test-admin-token-0123456789';
const GRACE_MS = 500;

interface Row {
  consumedWatermark: number;
  consumed: number;
  sent: number;
  missing: { total: number; items: { seq: number; messageId: string }[] };
}

describe.each<Driver>(['redis', 'rocketmq', 'rabbitmq'])(
  'RmsConsumer receipts on %s: reconciliation finds what was never handled (e2e)',
  (driver) => {
    const h = new ConsumerHarness(driver, { RECONCILE_GRACE_MS: String(GRACE_MS) });
    const consumers: RmsConsumer[] = [];
    let db: DataSource;

    beforeAll(async () => {
      await h.start();
      db = await createBusinessDb('mariadb', `rms_consumer_receipts_${driver}`);
    });
    afterEach(async () => {
      await Promise.all(consumers.splice(0).map((c) => c.stop()));
    });
    afterAll(async () => {
      await db.destroy();
      await h.stop();
    });

    const registerGroup = async (topic: string) => {
      const group = `rcpt-${driver}-${randomBytes(4).toString('hex')}`;
      const registered = await call<{ apiKey: string }>(
        h.t.baseUrl,
        'POST',
        '/v1/admin/consumer-groups',
        { token: ADMIN, json: { id: group, topics: [topic] } },
      );
      return { group, apiKey: registered.body.apiKey };
    };
    const reconcileRow = async (group: string, topic: string) =>
      (
        await call<{ items: Row[] }>(
          h.t.baseUrl,
          'GET',
          `/v1/admin/reconciliation?consumerGroup=${group}&topic=${topic}`,
          { token: ADMIN },
        )
      ).body.items[0];

    it('should report every handled message, and see a lost one missing until it is resent', async () => {
      const topic = await h.topic();
      const { group, apiKey } = await registerGroup(topic);
      const ids = await h.publish(topic, 20);
      await h.remove(topic, ids[6]); // lost after the broker's receipt: seq 7 never arrives
      const seen: RmsMessage[] = [];
      const consumer = new RmsConsumer({
        ...h.source(),
        group,
        topics: [topic],
        blockMs: 200,
        claimIdleMs: 1000,
        receipts: { baseUrl: h.t.baseUrl, apiKey, flushMs: 100 },
        handler: (m) => {
          seen.push(m);
          return Promise.resolve();
        },
      });
      consumers.push(consumer);
      await h.run(consumer);
      const reconcile = () => reconcileRow(group, topic);

      await waitFor(async () => (await reconcile()).consumed === 19, '19 messages reported');
      await sleep(GRACE_MS);
      const row = await reconcile();
      expect(row).toMatchObject({ sent: 20, consumedWatermark: 6, consumed: 19 });
      expect(row.missing).toEqual({
        total: 1,
        items: [expect.objectContaining({ seq: 7, messageId: ids[6] })],
      });

      const resent = await call(h.t.baseUrl, 'POST', '/v1/admin/reconciliation/resend', {
        token: ADMIN,
        json: { topic, producerId: h.producer.id, consumerGroup: group },
      });
      expect(resent.body).toEqual({ count: 1, remaining: 0 });
      await waitFor(async () => (await reconcile()).consumedWatermark === 20, 'all 20 reported');
      expect((await reconcile()).missing.total).toBe(0);
      expect(seen.filter((m) => m.id === ids[6])).toHaveLength(1);
    });

    it('should send from the inbox what a consumer handled but never reported (it died first)', async () => {
      const topic = await h.topic();
      const { group, apiKey } = await registerGroup(topic);
      await h.publish(topic, 10);
      const options = {
        ...h.source(),
        group,
        topics: [topic],
        dataSource: db,
        blockMs: 200,
        handler: () => Promise.resolve(),
      };
      // Handles all 10 and reports none: as a process killed before its receipts went out.
      const first = new RmsConsumer(options);
      consumers.push(first);
      await h.run(first);
      await waitFor(() => first.stats.get('handled') === 10, '10 handled');
      await first.stop();
      expect(await reconcileRow(group, topic)).toMatchObject({ consumed: 0 });

      const second = new RmsConsumer({ ...options, receipts: { baseUrl: h.t.baseUrl, apiKey } });
      consumers.push(second);
      await h.run(second);
      await waitFor(
        async () => (await reconcileRow(group, topic)).consumedWatermark === 10,
        'the inbox reported',
      );
      expect(second.stats.get('handled')).toBe(0);
    });
  },
);
