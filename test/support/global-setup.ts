import Redis from 'ioredis';
import { createConnection } from 'mysql2/promise';
import { parseDatabaseUrl } from '../../apps/message-service/src/database/data-source-options';
import { TEST_DATABASE_URL, TEST_MQ_REDIS_URL, TEST_REDIS_URL } from './test-env';

/** A fresh test database and empty test Redis databases per run; the service migrates at boot. */
export default async function globalSetup(): Promise<void> {
  const { host, port, username, password, database } = parseDatabaseUrl(TEST_DATABASE_URL);
  const connection = await createConnection({ host, port, user: username, password });
  try {
    await connection.query(`DROP DATABASE IF EXISTS \`${database}\``);
  } finally {
    await connection.end();
  }
  for (const url of [TEST_REDIS_URL, TEST_MQ_REDIS_URL]) {
    const redis = new Redis(url);
    await redis.flushdb();
    await redis.quit();
  }
}
