import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { ulid } from 'ulid';
import {
  createCheckBackHandler,
  MsgLogIdInUseError,
  NotCommittedError,
  RmsClient,
  RolledBackByCheckBackError,
  TransactionalPublisher,
} from '../../libs/client/src';
import { BusinessFlavor, createBusinessDb, insertOrder } from '../support/business-db';
import { signedCheckBack } from '../support/check-back-server';
import { deleteMessagesOf } from '../support/cleanup';
import { registerProducer, startTestApp, TestApp, TestProducer } from '../support/test-app';
import { waitFor } from '../support/wait';

const quiet = { warn: () => undefined };

/**
 * `publish` follows what the database holds, not which way the code ran: a transaction broken
 * inside `work`, a commit whose answer was lost, a msgLogId used twice.
 */
describe.each<BusinessFlavor>(['mariadb', 'postgres'])('publish outcomes on %s (e2e)', (flavor) => {
  let t: TestApp;
  let producer: TestProducer;
  let db: DataSource;
  let client: RmsClient;
  const topic = `outcomes-${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    t = await startTestApp();
    producer = await registerProducer(t);
    db = await createBusinessDb(flavor, `rms_sdk_outcomes_${flavor}`);
    client = new RmsClient({ baseUrl: t.baseUrl, apiKey: producer.apiKey });
    await new TransactionalPublisher({ client, dataSource: db }).ensureSchema();
  });

  afterAll(async () => {
    await deleteMessagesOf(t, [producer.id]);
    await db.destroy();
    await t.close();
  });

  const publisher = (dataSource = db) =>
    new TransactionalPublisher({ client, dataSource, logger: quiet });
  const order = () => ({ topic, body: JSON.stringify({ id: randomUUID() }) });
  const statusOf = async (msgLogId: string) => (await client.getByMsgLogId(msgLogId)).status;
  const sentOrConfirmed = (msgLogId: string) =>
    waitFor(async () => ['CONFIRMED', 'SENT'].includes(await statusOf(msgLogId)), 'confirmed');

  it('should publish when the commit happened although its answer was lost', async () => {
    // A DataSource whose transaction commits, then reports a dropped connection.
    const flaky = Object.create(db) as DataSource;
    flaky.transaction = (async (work: (tx: EntityManager) => Promise<unknown>) => {
      await db.transaction(work);
      throw new Error('Connection lost: the server closed the connection');
    }) as unknown as DataSource['transaction'];
    const msgLogId = randomUUID();
    const id = randomUUID();
    await expect(
      publisher(flaky).publish({ ...order(), msgLogId }, (tx) =>
        tx.query(insertOrder(flavor), [id, 1]),
      ),
    ).rejects.toThrow('Connection lost');
    await sentOrConfirmed(msgLogId);
  });

  it('should leave the message of a msgLogId committed by another transaction alone', async () => {
    const msgLogId = randomUUID();
    const request = { ...order(), msgLogId };
    const p = publisher();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const first = p.publish(request, async (tx) => {
      await tx.query(insertOrder(flavor), [randomUUID(), 1]);
      await held;
    });
    await new Promise((r) => setTimeout(r, 300));
    const second = p
      .publish(request, (tx) => tx.query(insertOrder(flavor), [randomUUID(), 2]))
      .catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 300));
    release();
    await first;
    expect(await second).toBeInstanceOf(MsgLogIdInUseError);
    await sentOrConfirmed(msgLogId);
  });

  it('should refuse a msgLogId that an earlier publish rolled back', async () => {
    const msgLogId = randomUUID();
    const request = { ...order(), msgLogId };
    await expect(
      publisher().publish(request, () => Promise.reject(new Error('declined'))),
    ).rejects.toThrow('declined');
    await expect(
      publisher().publish(request, (tx) => tx.query(insertOrder(flavor), [randomUUID(), 1])),
    ).rejects.toBeInstanceOf(RolledBackByCheckBackError);
    expect(await statusOf(msgLogId)).toBe('CANCELLED');
  });

  if (flavor === 'postgres') {
    it('should cancel when work caught a failed statement and PostgreSQL rolled the commit back', async () => {
      const msgLogId = randomUUID();
      const error = await publisher()
        .publish({ ...order(), msgLogId }, async (tx) => {
          await tx.query('SELECT no_such_column FROM orders').catch(() => undefined);
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotCommittedError);
      expect(await statusOf(msgLogId)).toBe('CANCELLED');
    });
  }

  it('should not decide a check-back of a message older than the barrier retention without its row', async () => {
    const handler = createCheckBackHandler({
      dataSource: db,
      producers: { [producer.id]: producer.signingSecret },
    });
    const old = ulid(Date.now() - 8 * 24 * 3600 * 1000);
    const answer = await handler(
      signedCheckBack(producer.id, producer.signingSecret, {
        msgLogId: randomUUID(),
        messageId: old,
      }),
    );
    expect(answer.status).toBe(500);
    const proto = signedCheckBack('__proto__', producer.signingSecret, {
      msgLogId: 'x',
      messageId: old,
    });
    expect((await handler(proto)).status).toBe(401);
  });
});
