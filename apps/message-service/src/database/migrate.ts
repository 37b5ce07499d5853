import { createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { DatabaseFlavor, parseDatabaseUrl } from './data-source-options';

/**
 * Creates the database named in the URL when it does not exist, and tells which server flavour
 * answers (TypeORM needs to know).
 */
export async function ensureDatabase(databaseUrl: string): Promise<DatabaseFlavor> {
  const { database, host, port, socketPath, username, password } = parseDatabaseUrl(databaseUrl);
  const connection = await createConnection({ host, port, socketPath, user: username, password });
  try {
    await connection.query(
      `CREATE DATABASE IF NOT EXISTS \`${database.replace(/`/g, '``')}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
    const [rows] = await connection.query('SELECT VERSION() AS version');
    const version = (rows as { version: string }[])[0]?.version ?? '';
    return /mariadb/i.test(version) ? 'mariadb' : 'mysql';
  } finally {
    await connection.end();
  }
}

/** The named lock of this database's migrations (one per database; names stop at 64 characters). */
const MIGRATION_LOCK = "LEFT(CONCAT('rms:migrations:', DATABASE()), 64)";

/** Another instance held the migration lock for longer than this one would wait. */
export class MigrationLockTimeout extends Error {}

/**
 * Runs pending migrations under a named lock of the database, so that several instances starting
 * together migrate once. An instance that does not get the lock within `lockTimeoutSeconds`
 * (another one is still migrating) fails with `MigrationLockTimeout` rather than migrate beside
 * it.
 */
export async function runMigrations(
  dataSource: DataSource,
  lockTimeoutSeconds = 120,
): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  let locked = false;
  try {
    await runner.connect();
    const [row] = (await runner.query(`SELECT GET_LOCK(${MIGRATION_LOCK}, ?) AS locked`, [
      lockTimeoutSeconds,
    ])) as { locked: number | string | null }[];
    locked = Number(row?.locked) === 1;
    if (!locked) {
      throw new MigrationLockTimeout(
        `another instance has been migrating this database for over ${lockTimeoutSeconds} s ` +
          '(it holds the migration lock): not migrating beside it; start again once it is done',
      );
    }
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    if (locked) {
      await runner.query(`SELECT RELEASE_LOCK(${MIGRATION_LOCK})`).catch(() => undefined);
    }
    await runner.release();
  }
}
