import type { DataSource, EntityManager } from 'typeorm';

/** The answer a barrier row holds. */
export type BarrierState = 'COMMITTED' | 'ROLLED_BACK';

/** The default name of the barrier table. */
export const DEFAULT_BARRIER_TABLE = 'rms_msg_log';

/** How long barrier rows are kept by default: 7 days. */
export const DEFAULT_BARRIER_RETENTION_MS = 7 * 24 * 3600 * 1000;

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** The time a ULID (the service's message id) was made, or undefined when it is not one. */
export function ulidTime(id: string | null): number | undefined {
  if (!id || !/^[0-9A-HJKMNP-TV-Z]{26}$/.test(id)) return undefined;
  return [...id.slice(0, 10)].reduce((t, c) => t * 32 + CROCKFORD.indexOf(c), 0);
}

type Dialect = 'mysql' | 'postgres';

/** Something that runs SQL: a `DataSource`, or a transaction's `EntityManager`. */
type Queryable = Pick<DataSource | EntityManager, 'query'>;

function dialectOf(dataSource: DataSource): Dialect {
  const type = dataSource.options.type;
  if (type === 'mysql' || type === 'mariadb') return 'mysql';
  if (type === 'postgres') return 'postgres';
  throw new Error(
    `@rms/client: the barrier table supports MySQL, MariaDB and PostgreSQL, not ${type}`,
  );
}

/** True for a deadlock victim: MySQL 1213, PostgreSQL 40P01. */
function isDeadlock(error: unknown): boolean {
  const e = error as { code?: unknown; errno?: unknown; driverError?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.errno === 1213 || e.code === 'ER_LOCK_DEADLOCK' || e.code === '40P01') return true;
  return e.driverError !== undefined && isDeadlock(e.driverError);
}

/** True for a unique-key violation: MySQL 1062, PostgreSQL 23505. */
export function isDuplicateKey(error: unknown): boolean {
  const e = error as { code?: unknown; errno?: unknown; driverError?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.code === 'ER_DUP_ENTRY' || e.errno === 1062 || e.code === '23505') return true;
  return e.driverError !== undefined && isDuplicateKey(e.driverError);
}

/**
 * The barrier table (`rms_msg_log` by default) in the business's own database: one row per
 * msgLogId, written in the business transaction (COMMITTED) or by a check-back that found none
 * (ROLLED_BACK). Whoever writes first wins; the other waits on the row lock, then loses on the
 * duplicate key. So a check-back's answer is always the transaction's real outcome.
 */
export class BarrierTable {
  readonly dialect: Dialect;
  private readonly name: string;

  constructor(
    private readonly dataSource: DataSource,
    table = DEFAULT_BARRIER_TABLE,
    /** How long rows are kept (see `cleanup`): an older message without a row is not decided. */
    readonly retentionMs = DEFAULT_BARRIER_RETENTION_MS,
  ) {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(table)) {
      throw new Error(`@rms/client: "${table}" is not a plain table name`);
    }
    this.dialect = dialectOf(dataSource);
    this.name = this.dialect === 'mysql' ? `\`${table}\`` : `"${table}"`;
  }

  /** The CREATE TABLE of the barrier, for this database. */
  createSql(): string {
    return this.dialect === 'mysql'
      ? `CREATE TABLE IF NOT EXISTS ${this.name} (
           msg_log_id VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,
           message_id CHAR(26) NULL,
           state VARCHAR(16) NOT NULL,
           created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
           INDEX ix_${this.name.slice(1, -1)}_created_at (created_at)
         )`
      : `CREATE TABLE IF NOT EXISTS ${this.name} (
           msg_log_id VARCHAR(128) NOT NULL PRIMARY KEY,
           message_id CHAR(26) NULL,
           state VARCHAR(16) NOT NULL,
           created_at TIMESTAMPTZ NOT NULL DEFAULT now()
         )`;
  }

  /** The statements that create the table (and, on PostgreSQL, its index). */
  createStatements(): string[] {
    return this.dialect === 'mysql'
      ? [this.createSql()]
      : [
          this.createSql(),
          `CREATE INDEX IF NOT EXISTS ix_${this.name.slice(1, -1)}_created_at ON ${this.name} (created_at)`,
        ];
  }

  /** Creates the table when it does not exist. */
  async ensure(): Promise<void> {
    for (const sql of this.createStatements()) await this.dataSource.query(sql);
  }

  /**
   * Inside the business transaction, before anything else: the row that says "committed" once
   * the transaction commits. Throws a duplicate-key error when a check-back got there first.
   */
  async insertCommitted(tx: Queryable, msgLogId: string, messageId: string): Promise<void> {
    await tx.query(
      `INSERT INTO ${this.name} (msg_log_id, message_id, state) VALUES (${this.params(3)})`,
      [msgLogId, messageId, 'COMMITTED'],
    );
  }

  /**
   * A check-back's verdict: inserts the row as ROLLED_BACK unless it exists (waiting on the lock
   * while the business transaction is still open), then reads it back.
   */
  async decide(msgLogId: string, messageId: string | null): Promise<BarrierState> {
    // InnoDB may pick the waiting INSERT IGNORE as a deadlock victim when the business
    // transaction it waits for rolls back; the statement was undone, so it is simply run again.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.decideOnce(msgLogId, messageId);
      } catch (error) {
        if (attempt >= 5 || !isDeadlock(error)) throw error;
      }
    }
  }

  private async decideOnce(msgLogId: string, messageId: string | null): Promise<BarrierState> {
    const made = ulidTime(messageId);
    if (made !== undefined && Date.now() - made > this.retentionMs) {
      // The row of a message this old may have been cleaned up: "no row" proves nothing now.
      const existing = await this.read(msgLogId);
      if (existing) return existing;
      throw new Error(
        `message ${messageId} is older than the barrier retention and has no row: cannot tell`,
      );
    }
    const insert =
      this.dialect === 'mysql'
        ? `INSERT IGNORE INTO ${this.name} (msg_log_id, message_id, state) VALUES (?, ?, ?)`
        : `INSERT INTO ${this.name} (msg_log_id, message_id, state) VALUES ($1, $2, $3)
             ON CONFLICT (msg_log_id) DO NOTHING`;
    await this.dataSource.query(insert, [msgLogId, messageId, 'ROLLED_BACK']);
    const state = await this.read(msgLogId);
    if (!state) throw new Error(`@rms/client: no barrier row of ${msgLogId} after inserting it`);
    return state;
  }

  private async read(msgLogId: string): Promise<BarrierState | undefined> {
    const rows = await this.dataSource.query<{ state: BarrierState }[]>(
      `SELECT state FROM ${this.name} WHERE msg_log_id = ${this.params(1)}`,
      [msgLogId],
    );
    const state = rows[0]?.state;
    if (state === undefined) return undefined;
    if (state !== 'COMMITTED' && state !== 'ROLLED_BACK') {
      throw new Error(`@rms/client: barrier row of ${msgLogId} holds ${String(state)}`);
    }
    return state;
  }

  /** Deletes up to `limit` rows older than `olderThanMs`; returns how many. */
  async deleteOlderThan(olderThanMs: number, limit: number): Promise<number> {
    const seconds = Math.floor(olderThanMs / 1000);
    if (this.dialect === 'mysql') {
      const result = await this.dataSource.query<{ affectedRows: number }>(
        `DELETE FROM ${this.name} WHERE created_at < CURRENT_TIMESTAMP(3) - INTERVAL ? SECOND LIMIT ?`,
        [seconds, limit],
      );
      return result.affectedRows;
    }
    // TypeORM answers a PostgreSQL DELETE with [rows, count].
    const [, count] = await this.dataSource.query<[unknown[], number]>(
      `DELETE FROM ${this.name} WHERE msg_log_id IN (
         SELECT msg_log_id FROM ${this.name} WHERE created_at < now() - make_interval(secs => $1)
          LIMIT $2)`,
      [seconds, limit],
    );
    return count;
  }

  /** Drops the table (for the migration's `down`). */
  dropSql(): string {
    return `DROP TABLE IF EXISTS ${this.name}`;
  }

  private params(n: number): string {
    return Array.from({ length: n }, (_, i) => (this.dialect === 'mysql' ? '?' : `$${i + 1}`)).join(
      ', ',
    );
  }
}
