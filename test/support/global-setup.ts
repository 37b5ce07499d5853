import { createConnection } from 'mysql2/promise';
import { parseDatabaseUrl } from '../../apps/message-service/src/database/data-source-options';
import { TEST_DATABASE_URL } from './test-env';

/** A fresh test database per run; the service creates and migrates it at boot. */
export default async function globalSetup(): Promise<void> {
  const { host, port, username, password, database } = parseDatabaseUrl(TEST_DATABASE_URL);
  const connection = await createConnection({ host, port, user: username, password });
  try {
    await connection.query(`DROP DATABASE IF EXISTS \`${database}\``);
  } finally {
    await connection.end();
  }
}
