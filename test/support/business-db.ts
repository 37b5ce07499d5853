import { createConnection } from 'mysql2/promise';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { parseDatabaseUrl } from '../../apps/message-service/src/database/data-source-options';
import { TEST_DATABASE_URL, TEST_PG_URL } from './test-env';

export type BusinessFlavor = 'mariadb' | 'postgres';

/**
 * A business service's own database (`<name>`, dropped and created again) with an `orders` table,
 * as a TypeORM DataSource: MariaDB on the test server, or PostgreSQL.
 */
export async function createBusinessDb(flavor: BusinessFlavor, name: string): Promise<DataSource> {
  if (flavor === 'mariadb') {
    const server = parseDatabaseUrl(TEST_DATABASE_URL);
    const admin = await createConnection({
      host: server.host,
      port: server.port,
      user: server.username,
      password: server.password,
    });
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.query(`CREATE DATABASE \`${name}\``);
    await admin.end();
    const db = await new DataSource({
      type: 'mariadb',
      host: server.host,
      port: server.port,
      username: server.username,
      password: server.password,
      database: name,
    }).initialize();
    await db.query(
      'CREATE TABLE orders (id VARCHAR(64) PRIMARY KEY, amount DECIMAL(10, 2) NOT NULL)',
    );
    return db;
  }
  const url = new URL(TEST_PG_URL);
  const admin = new Client({ connectionString: `${TEST_PG_URL}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const db = await new DataSource({
    type: 'postgres',
    host: url.hostname,
    port: Number(url.port || 5432),
    username: decodeURIComponent(url.username || 'postgres'),
    password: decodeURIComponent(url.password),
    database: name,
  }).initialize();
  await db.query(
    'CREATE TABLE orders (id VARCHAR(64) PRIMARY KEY, amount NUMERIC(10, 2) NOT NULL)',
  );
  return db;
}

/** A business query in the placeholder style of the DataSource's database. */
export const insertOrder = (flavor: BusinessFlavor) =>
  flavor === 'mariadb'
    ? 'INSERT INTO orders (id, amount) VALUES (?, ?)'
    : 'INSERT INTO orders (id, amount) VALUES ($1, $2)';
