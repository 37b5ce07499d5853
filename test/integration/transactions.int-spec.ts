import { MessageStatus } from '@app/contracts';
import {
  inTransaction,
  lockIntoSet,
  parseSet,
  readSet,
} from '../../apps/message-service/src/database/transaction';
import { placeholders } from '../../apps/message-service/src/database/sql';
import { aNewMessage } from '../factories/new-message.factory';
import { startState, StateHarness } from '../support/state-db';

/**
 * The transaction helper sets each connection's session once (READ COMMITTED, room for long id
 * lists) instead of in every transaction: every transaction must still run with both, on every
 * connection of the pool, and on a connection the pool made again after it lost one.
 */
describe('inTransaction (integration)', () => {
  let h: StateHarness;
  /** Messages whose ids, as a list, are far longer than MySQL's default group_concat_max_len. */
  let ids: string[];

  beforeAll(async () => {
    h = await startState('transactions');
    const stored = await h.producer.prepare(
      Array.from({ length: 200 }, () => aNewMessage({ status: MessageStatus.PENDING })),
    );
    ids = stored.map((m) => m.id);
  });

  afterAll(() => h.close());

  /** Locks every message of `ids` into a set and reads it back, in one transaction. */
  const lockAll = () =>
    inTransaction(h.db, async (trips) => {
      const results = await trips.commit(
        [
          lockIntoSet(
            'rms_test',
            `FROM messages WHERE id IN (${placeholders(ids.length)}) FOR UPDATE`,
            ids,
          ),
        ],
        [readSet('rms_test')],
      );
      return parseSet(results[1]);
    });

  /**
   * Whether a transaction sees a change committed by another connection after its first read: a
   * READ COMMITTED transaction does, a REPEATABLE READ one keeps its first snapshot.
   */
  const seesLaterCommits = async (): Promise<boolean> => {
    const id = ids[0];
    await h.db.query('UPDATE messages SET fail_msg = ? WHERE id = ?', ['before', id]);
    return inTransaction(h.db, async (trips) => {
      const [first] = (await trips.send([
        { sql: 'SELECT fail_msg FROM messages WHERE id = ?', params: [id] },
      ])) as { fail_msg: string }[][];
      expect(first[0].fail_msg).toBe('before');
      await h.db.query('UPDATE messages SET fail_msg = ? WHERE id = ?', ['after', id]);
      const [second] = (await trips.commit([
        { sql: 'SELECT fail_msg FROM messages WHERE id = ?', params: [id] },
      ])) as { fail_msg: string }[][];
      return second[0].fail_msg === 'after';
    });
  };

  it('should run at READ COMMITTED with room for long id lists, on every connection, every time', async () => {
    // More at once than the pool has connections, twice: every connection runs a first and a
    // later transaction.
    for (let round = 0; round < 2; round++) {
      const sets = await Promise.all(Array.from({ length: 25 }, () => lockAll()));
      for (const set of sets) expect(set).toEqual(new Set(ids));
    }
    for (let i = 0; i < 12; i++) expect(await seesLaterCommits()).toBe(true);
  });

  it('should set the session of a connection the pool made again after losing one', async () => {
    await lockAll();
    const [{ id: before }] = await h.db.query<{ id: number }[]>('SELECT CONNECTION_ID() AS id');
    // Every connection of the pool is killed; the pool makes new ones.
    const threads = await h.db.query<{ id: number }[]>(
      `SELECT id FROM information_schema.processlist WHERE db = DATABASE() AND id <> ?`,
      [before],
    );
    for (const { id } of [...threads, { id: before }]) {
      await h.db.query(`KILL ${Number(id)}`).catch(() => undefined);
    }
    // The first calls may meet a connection that died; later ones run on new connections.
    for (let i = 0; i < 20; i++) await lockAll().catch(() => undefined);
    expect(await lockAll()).toEqual(new Set(ids));
    expect(await seesLaterCommits()).toBe(true);
  });
});
