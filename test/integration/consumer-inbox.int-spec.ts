import { DataSource } from 'typeorm';
import { ConsumerStore, NotCommittedError, RmsMessage } from '../../libs/consumer/src';
import { BusinessFlavor, createBusinessDb, insertOrder } from '../support/business-db';

/**
 * The consumer's inbox on a real MariaDB and PostgreSQL: a message counts as handled only when
 * the transaction that holds its work and its inbox row commits. A handler that breaks its
 * transaction without throwing (PostgreSQL aborts it at a failed statement the handler caught;
 * InnoDB rolls it back at a deadlock) must not get its message acknowledged.
 */
describe.each<BusinessFlavor>(['mariadb', 'postgres'])('consumer inbox on %s', (flavor) => {
  let db: DataSource;
  let store: ConsumerStore;
  let n = 0;
  const group = 'inbox-test';
  const message = (): RmsMessage => ({
    id: `m-${flavor}-${++n}`,
    producerId: 'p',
    msgLogId: `log-${n}`,
    topic: 't',
    tag: null,
    keys: [],
    properties: {},
    seq: n,
    messageGroup: null,
    body: Buffer.from('{}'),
    json: <T>() => ({}) as T,
    deliveryCount: 1,
  });
  const p = (i: number) => (flavor === 'mariadb' ? '?' : `$${i}`);
  const inboxRows = async (id: string) =>
    (
      await db.query<unknown[]>(
        `SELECT 1 FROM rms_inbox WHERE consumer_group = ${p(1)} AND message_id = ${p(2)}`,
        [group, id],
      )
    ).length;
  const orders = async (id: string) =>
    (await db.query<unknown[]>(`SELECT 1 FROM orders WHERE id = ${p(1)}`, [id])).length;

  beforeAll(async () => {
    db = await createBusinessDb(flavor, `rms_consumer_inbox_${flavor}`);
    store = new ConsumerStore(db);
    await store.ensureSchema();
  });

  afterAll(() => db.destroy());

  it('should record a handled message with its work, and skip it the second time', async () => {
    const m = message();
    const work = (tx: { query(sql: string, params: unknown[]): Promise<unknown> }) =>
      tx.query(insertOrder(flavor), [m.id, 1]).then(() => undefined);
    expect(await store.handleOnce(group, m, work)).toBe('handled');
    expect(await store.handleOnce(group, m, work)).toBe('duplicate');
    expect(await inboxRows(m.id)).toBe(1);
    expect(await orders(m.id)).toBe(1);
  });

  it('should fail, not report handled, when the work broke its transaction without throwing', async () => {
    const m = message();
    const outcome = store.handleOnce(group, m, async (tx) => {
      await tx.query(insertOrder(flavor), [m.id, 1]);
      if (flavor === 'postgres') {
        // A failed statement the handler caught: PostgreSQL aborts the transaction.
        await tx.query('SELECT * FROM no_such_table').catch(() => undefined);
      } else {
        // What a deadlock does to the transaction in InnoDB (the handler caught its error).
        await tx.query('ROLLBACK');
      }
    });
    await expect(outcome).rejects.toBeInstanceOf(NotCommittedError);
    expect(await inboxRows(m.id)).toBe(0);
    expect(await orders(m.id)).toBe(0);
  });

  it('should store a gap once: the second process to save it gets nothing to report', async () => {
    const gap = { producerId: `p-${flavor}-${Date.now()}`, topic: 't', fromSeq: 10, toSeq: 12 };
    const other = { ...gap, fromSeq: 20, toSeq: 20 };
    expect(await store.saveGaps(group, [gap])).toEqual([gap]);
    expect(await new ConsumerStore(db).saveGaps(group, [gap, other])).toEqual([other]);
  });

  it('should extend a stored gap that a wider one starts with, and report only what lies beyond', async () => {
    const gap = { producerId: `p-${flavor}-${Date.now()}`, topic: 't', fromSeq: 10, toSeq: 12 };
    expect(await store.saveGap(group, gap)).toEqual(gap);
    expect(await store.saveGap(group, { ...gap, toSeq: 15 })).toEqual({
      ...gap,
      fromSeq: 13,
      toSeq: 15,
    });
    expect(await store.saveGap(group, { ...gap, toSeq: 13 })).toBeUndefined();
    expect(await store.saveGap(group, { ...gap, toSeq: 15 })).toBeUndefined();
    const restored = [...(await store.loadSequences(group)).values()].find(
      (r) => r.producerId === gap.producerId,
    );
    expect(restored?.reported).toEqual([{ fromSeq: 10, toSeq: 15 }]);
  });
});
