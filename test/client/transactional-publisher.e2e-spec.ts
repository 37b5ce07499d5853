import Redis from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  CheckBackHandler,
  createCheckBackHandler,
  MessageView,
  RmsClient,
  RolledBackByCheckBackError,
  TransactionalPublisher,
} from '../../libs/client/src';
import { BusinessFlavor, createBusinessDb, insertOrder } from '../support/business-db';
import { CheckBackServer, signedCheckBack } from '../support/check-back-server';
import { deleteMessagesOf } from '../support/cleanup';
import { registerProducer, startTestApp, TestApp, TestProducer } from '../support/test-app';
import { TEST_MQ_REDIS_URL } from '../support/test-env';
import { sleep, waitFor } from '../support/wait';

const quiet = { warn: () => undefined };

describe.each<BusinessFlavor>(['mariadb', 'postgres'])(
  'TransactionalPublisher on %s (e2e: the real service, the SDK, a business database)',
  (flavor) => {
    let t: TestApp;
    let producer: TestProducer;
    let db: DataSource;
    let handler: CheckBackHandler;
    let server: CheckBackServer;
    let client: RmsClient;
    let publisher: TransactionalPublisher;
    let redis: Redis;
    const topic = `sdk-${flavor}-${randomBytes(3).toString('hex')}`;

    beforeAll(async () => {
      t = await startTestApp({ RETRY_BASE_MS: '200', RETRY_MAX_MS: '1000' });
      db = await createBusinessDb(flavor, `rms_sdk_${flavor}`);
      handler = (request) => createCheckBackHandler({ dataSource: db, producers })(request);
      server = new CheckBackServer((request) => handler(request));
      const checkBackUrl = await server.start();
      producer = await registerProducer(t, {
        checkBackUrl,
        policy: { checkBackDelayMs: 300 },
      });
      producers[producer.id] = producer.signingSecret;
      client = new RmsClient({ baseUrl: t.baseUrl, apiKey: producer.apiKey });
      publisher = new TransactionalPublisher({ client, dataSource: db, logger: quiet });
      await publisher.ensureSchema();
      redis = new Redis(TEST_MQ_REDIS_URL);
    });
    const producers: Record<string, string> = {};

    afterAll(async () => {
      await deleteMessagesOf(t, [producer.id]);
      redis.disconnect();
      await server.stop();
      await db.destroy();
      await t.close();
    });

    const orderExists = async (id: string) =>
      (
        await db.query<unknown[]>(
          `SELECT id FROM orders WHERE id = ${flavor === 'mariadb' ? '?' : '$1'}`,
          [id],
        )
      ).length === 1;
    const barrierRows = async (msgLogId: string) =>
      db.query<{ state: string }[]>(
        `SELECT state FROM rms_msg_log WHERE msg_log_id = ${flavor === 'mariadb' ? '?' : '$1'}`,
        [msgLogId],
      );
    const inStream = async (messageId: string) =>
      (await redis.xrange(`rms:${topic}`, '-', '+')).filter(([, f]) =>
        f[f.indexOf('properties') + 1].includes(messageId),
      ).length;
    const until = (id: string, status: string, timeoutMs = 15_000) =>
      waitFor(
        async () => {
          const m = await client.get(id);
          return m.status === status ? m : undefined;
        },
        `message ${id} to be ${status}`,
        timeoutMs,
        100,
      );
    const order = () => ({ id: `order-${randomUUID()}`, amount: 99.5 });
    const message = (orderId: string) => ({ topic, body: JSON.stringify({ orderId }) });

    it('should deliver the message of a committed transaction, with its business row', async () => {
      const o = order();
      const { result, message: prepared } = await publisher.publish(message(o.id), async (tx) => {
        await tx.query(insertOrder(flavor), [o.id, o.amount]);
        return o.id;
      });
      expect(result).toBe(o.id);
      await until(prepared.id, 'SENT');
      expect(await orderExists(o.id)).toBe(true);
      expect(await inStream(prepared.id)).toBe(1);
      expect(await barrierRows(prepared.msgLogId)).toEqual([{ state: 'COMMITTED' }]);
    });

    it('should cancel the message of a rolled-back transaction and deliver nothing', async () => {
      const o = order();
      const spy = jest.spyOn(client, 'prepare');
      const error = await publisher
        .publish(message(o.id), async (tx) => {
          await tx.query(insertOrder(flavor), [o.id, o.amount]);
          throw new Error('payment declined');
        })
        .catch((e: unknown) => e);
      const prepared = (await spy.mock.results[0].value) as MessageView;
      spy.mockRestore();
      expect(error).toEqual(new Error('payment declined'));
      expect(await orderExists(o.id)).toBe(false);
      expect((await client.get(prepared.id)).status).toBe('CANCELLED');
      await sleep(500);
      expect(await inStream(prepared.id)).toBe(0);
    });

    it('should deliver a committed message whose confirm was lost, through the check-back', async () => {
      const lossy = new RmsClient({ baseUrl: t.baseUrl, apiKey: producer.apiKey });
      lossy.confirm = () => Promise.reject(new Error('connection reset'));
      const warnings: string[] = [];
      const p = new TransactionalPublisher({
        client: lossy,
        dataSource: db,
        logger: { warn: (m) => warnings.push(m) },
      });
      const o = order();
      const { message: prepared } = await p.publish(message(o.id), (tx) =>
        tx.query(insertOrder(flavor), [o.id, o.amount]),
      );
      expect(warnings).toEqual([expect.stringContaining('confirm failed for message')]);
      expect((await client.get(prepared.id)).status).toBe('PENDING');
      const sent = await until(prepared.id, 'SENT');
      expect(sent.checkBackCount).toBe(1);
      expect(await inStream(prepared.id)).toBe(1);
    });

    it('should cancel a rolled-back message whose cancel was lost, through the check-back', async () => {
      const lossy = new RmsClient({ baseUrl: t.baseUrl, apiKey: producer.apiKey });
      lossy.cancel = () => Promise.reject(new Error('connection reset'));
      let id = '';
      const prepare = lossy.prepare.bind(lossy);
      lossy.prepare = async (r) => {
        const m = await prepare(r);
        id = m.id;
        return m;
      };
      const p = new TransactionalPublisher({ client: lossy, dataSource: db, logger: quiet });
      await expect(
        p.publish(message('never'), () => Promise.reject(new Error('rolled back'))),
      ).rejects.toThrow('rolled back');
      const cancelled = await until(id, 'CANCELLED');
      expect(cancelled.failMsg).toMatch(/rolled back/);
      expect(await inStream(id)).toBe(0);
    });

    it.each([
      ['commits', 'COMMITTED'],
      ['rolls back', 'ROLLED_BACK'],
    ])(
      'should hold a check-back arriving while the transaction is open until it %s, then answer %s',
      async (outcome, answer) => {
        const o = order();
        let release!: () => void;
        const released = new Promise<void>((r) => (release = r));
        let inTransaction!: (m: { id: string; msgLogId: string }) => void;
        const opened = new Promise<{ id: string; msgLogId: string }>((r) => (inTransaction = r));
        const spy = jest.spyOn(client, 'prepare');
        const publishing = publisher
          .publish(message(o.id), async (tx) => {
            await tx.query(insertOrder(flavor), [o.id, o.amount]);
            const prepared = (await spy.mock.results[0].value) as MessageView;
            inTransaction({ id: prepared.id, msgLogId: prepared.msgLogId });
            await released;
            if (outcome === 'rolls back') throw new Error('rolled back');
          })
          .catch((e: unknown) => e);
        const m = await opened;
        spy.mockRestore();
        let answered = false;
        const checking = handler(
          signedCheckBack(producer.id, producer.signingSecret, {
            msgLogId: m.msgLogId,
            messageId: m.id,
          }),
        ).then((r) => {
          answered = true;
          return r;
        });
        await sleep(400);
        expect(answered).toBe(false); // waiting on the barrier row's lock
        release();
        expect(await checking).toEqual({ status: 200, body: { status: answer } });
        const result = await publishing;
        expect(await orderExists(o.id)).toBe(outcome === 'commits');
        if (outcome === 'commits') {
          expect(await until(m.id, 'SENT')).toMatchObject({ status: 'SENT' });
          expect(await inStream(m.id)).toBe(1);
        } else {
          expect(result).toEqual(new Error('rolled back'));
          expect(await until(m.id, 'CANCELLED')).toMatchObject({ status: 'CANCELLED' });
          await sleep(300);
          expect(await inStream(m.id)).toBe(0);
        }
      },
    );

    it('should answer ROLLED_BACK to a check-back that comes before the barrier row, and then roll the transaction back', async () => {
      const racing = new RmsClient({ baseUrl: t.baseUrl, apiKey: producer.apiKey });
      const prepare = racing.prepare.bind(racing);
      const answers: unknown[] = [];
      // The check-back arrives between the prepare and the business transaction.
      racing.prepare = async (r) => {
        const m = await prepare(r);
        answers.push(
          await handler(
            signedCheckBack(producer.id, producer.signingSecret, {
              msgLogId: m.msgLogId,
              messageId: m.id,
            }),
          ),
        );
        return m;
      };
      const p = new TransactionalPublisher({ client: racing, dataSource: db, logger: quiet });
      const o = order();
      const error = await p
        .publish(message(o.id), (tx) => tx.query(insertOrder(flavor), [o.id, o.amount]))
        .catch((e: unknown) => e);
      expect(answers).toEqual([{ status: 200, body: { status: 'ROLLED_BACK' } }]);
      expect(error).toBeInstanceOf(RolledBackByCheckBackError);
      const { msgLogId, messageId } = error as RolledBackByCheckBackError;
      expect(await orderExists(o.id)).toBe(false);
      expect(await barrierRows(msgLogId)).toEqual([{ state: 'ROLLED_BACK' }]);
      expect((await client.get(messageId)).status).toBe('CANCELLED');
      await sleep(500);
      expect(await inStream(messageId)).toBe(0);
    });
  },
);
