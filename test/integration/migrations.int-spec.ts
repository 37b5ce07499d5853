import { createConnection, Connection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import {
  dataSourceOptions,
  parseDatabaseUrl,
} from '../../apps/message-service/src/database/data-source-options';
import {
  ensureDatabase,
  MigrationLockTimeout,
  runMigrations,
} from '../../apps/message-service/src/database/migrate';
import { TEST_DATABASE_URL } from '../support/test-env';

/**
 * Migrations under the database's named lock, against the real MariaDB: an instance that cannot
 * get the lock in time must not migrate beside the one that holds it.
 */
describe('Migrations (integration)', () => {
  const server = new URL(TEST_DATABASE_URL);
  const base = parseDatabaseUrl(TEST_DATABASE_URL);
  const database = `${base.database}_migrations`;
  server.pathname = `/${database}`;
  const url = server.toString();
  let admin: Connection;
  let db: DataSource;

  beforeAll(async () => {
    admin = await createConnection({
      host: base.host,
      port: base.port,
      user: base.username,
      password: base.password,
    });
    await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
    const flavor = await ensureDatabase(url);
    db = await new DataSource(dataSourceOptions(url, { flavor, poolSize: 2 })).initialize();
  });

  afterAll(async () => {
    await db.destroy();
    await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await admin.end();
  });

  const tables = async () =>
    (await db.query<Record<string, string>[]>('SHOW TABLES')).map((r) => Object.values(r)[0]);

  it('should refuse to migrate while another instance holds the lock, and migrate once it is free', async () => {
    const lock = `rms:migrations:${database}`;
    const [[held]] = (await admin.query(`SELECT GET_LOCK(?, 0) AS held`, [lock])) as [
      { held: number }[],
      unknown,
    ];
    expect(Number(held.held)).toBe(1);
    try {
      await expect(runMigrations(db, 1)).rejects.toBeInstanceOf(MigrationLockTimeout);
      expect(await tables()).toEqual([]);
      // The holder still holds it.
      const [[owner]] = (await admin.query('SELECT IS_USED_LOCK(?) = CONNECTION_ID() AS mine', [
        lock,
      ])) as [{ mine: number }[], unknown];
      expect(Number(owner.mine)).toBe(1);
    } finally {
      await admin.query('SELECT RELEASE_LOCK(?)', [lock]);
    }

    expect((await runMigrations(db, 1)).length).toBeGreaterThan(0);
    expect(await tables()).toEqual(expect.arrayContaining(['messages', 'migrations']));
  });
});
