import { DataSource } from 'typeorm';

export interface Statement {
  sql: string;
  params?: unknown[];
}

/** A READ COMMITTED transaction held on one connection, sent as multi-statement trips. */
export interface Trips {
  /** Sends statements inside the transaction (the first trip also opens it); their results. */
  send(statements: Statement[]): Promise<unknown[]>;
  /**
   * Sends the last statements, COMMIT and then the `after` statements (reads) in one trip;
   * returns the results of the statements and of the reads, in order.
   */
  commit(statements: Statement[], after?: Statement[]): Promise<unknown[]>;
}

/**
 * Every transaction of the service runs at READ COMMITTED. Status changes are compare-and-set
 * updates, which need no repeatable reads; and under REPEATABLE READ the claim's
 * `FOR UPDATE SKIP LOCKED` scan takes gap locks that block concurrent inserts of new messages
 * and deadlock with them. Both settings are the session's: they are sent once per connection,
 * ahead of its first transaction here, rather than two statements more in every transaction.
 */
const SESSION: Statement[] = [
  // Room for the id lists of `lockIntoSet` (MySQL's default is 1,024 bytes, about 37 ids).
  { sql: 'SET SESSION group_concat_max_len = 1048576' },
  { sql: 'SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED' },
];
const START: Statement[] = [{ sql: 'START TRANSACTION' }];
const SESSION_AND_START = [...SESSION, ...START];

/** The pool's connections whose session is set (mysql2 keeps one object per connection). */
const prepared = new WeakSet<object>();

/** Runs of a transaction that loses a deadlock, in all, before its error is thrown. */
const DEADLOCK_ATTEMPTS = 5;

/**
 * The one transaction helper of the service. Runs `work` in a READ COMMITTED transaction whose
 * statements travel as few round trips as `work` needs: each `send` and the final `commit` is one
 * multi-statement query. If anything fails, or `work` returns without committing, the
 * transaction is rolled back on the same connection, so no connection returns to the pool with a
 * transaction open. A transaction that loses a deadlock (or a lock wait) is run again from the
 * start, so `work` must not have effects outside the database.
 */
export function inTransaction<T>(db: DataSource, work: (trips: Trips) => Promise<T>): Promise<T> {
  return retryOnDeadlock(() => once(db, work));
}

/**
 * `inTransaction` with one trip: the statements, COMMIT, then the `after` statements (reads).
 * Returns the result of each statement and of each read.
 */
export function oneTrip(
  db: DataSource,
  statements: Statement[],
  after: Statement[] = [],
): Promise<unknown[]> {
  return inTransaction(db, (trips) => trips.commit(statements, after));
}

async function once<T>(db: DataSource, work: (trips: Trips) => Promise<T>): Promise<T> {
  const runner = db.createQueryRunner();
  let opened = false;
  let committed = false;
  const run = async (statements: Statement[]): Promise<unknown[]> => {
    let open: Statement[] = [];
    let connection: object | undefined;
    if (!opened) {
      connection = (await runner.connect()) as object;
      open = prepared.has(connection) ? START : SESSION_AND_START;
    }
    const all = opened ? statements : [...open, ...statements];
    opened = true;
    const [sql, params] = joined(all);
    const results: unknown = await runner.query(sql, params);
    // Marked only once the settings have run (a trip that failed may have stopped before them).
    if (open === SESSION_AND_START) prepared.add(connection!);
    return (all.length === 1 ? [results] : (results as unknown[])).slice(open.length);
  };
  try {
    const result = await work({
      send: run,
      commit: async (statements, after = []) => {
        const results = await run([...statements, { sql: 'COMMIT' }, ...after]);
        committed = true;
        return results.slice(0, statements.length).concat(results.slice(statements.length + 1));
      },
    });
    if (opened && !committed) await runner.query('ROLLBACK');
    return result;
  } catch (error) {
    if (opened && !committed) await runner.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await runner.release();
  }
}

/**
 * The statements as one multi-statement text and their parameters in order. A loop, not
 * `flatMap`: V8's (Node 20) takes about 90 ns an element, 20 µs for a 16-message INSERT's.
 */
function joined(statements: Statement[]): [string, unknown[]] {
  let sql = '';
  const params: unknown[] = [];
  for (const s of statements) {
    sql = sql === '' ? s.sql : `${sql};\n${s.sql}`;
    if (s.params) for (const p of s.params) params.push(p);
  }
  return [sql, params];
}

/** True for an error meaning "this transaction lost a lock conflict; running it again may work". */
export function isLockConflict(error: unknown): boolean {
  const e = error as { errno?: unknown; driverError?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.errno === 1213 || e.errno === 1205) return true; // ER_LOCK_DEADLOCK, ER_LOCK_WAIT_TIMEOUT
  return e.driverError !== undefined && isLockConflict(e.driverError);
}

/** Runs a transaction again, up to `attempts` times in all, when it loses a deadlock. */
export async function retryOnDeadlock<T>(
  run: () => Promise<T>,
  attempts = DEADLOCK_ATTEMPTS,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= attempts || !isLockConflict(error)) throw error;
      await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 10));
    }
  }
}

/**
 * A locking read that keeps, in the user variable `@name`, the comma-separated ids of the rows
 * it locked: later statements of the same trip act on exactly those rows (`inSet`), and a read
 * after COMMIT tells the caller which they were (`readSet`, `parseSet`).
 */
export function lockIntoSet(name: string, sql: string, params: unknown[]): Statement {
  return { sql: `SELECT GROUP_CONCAT(id) INTO @${name} ${sql}`, params };
}

/** `FIND_IN_SET(<column>, @name)`: the row is one of those `lockIntoSet` locked. */
export const inSet = (name: string, column = 'id'): string => `FIND_IN_SET(${column}, @${name})`;

export const readSet = (name: string): Statement => ({ sql: `SELECT @${name} AS ids` });

export function parseSet(result: unknown): Set<string> {
  const ids = (result as { ids: string | Buffer | null }[])[0]?.ids;
  return new Set(ids ? ids.toString().split(',') : []);
}
