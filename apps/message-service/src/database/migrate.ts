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

/**
 * Runs pending migrations under a database-wide named lock, so that several instances starting
 * together migrate once.
 */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.query(`SELECT GET_LOCK('rms:migrations', 120)`);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await runner.query(`SELECT RELEASE_LOCK('rms:migrations')`).catch(() => undefined);
    await runner.release();
  }
}
