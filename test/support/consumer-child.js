// A consumer process for the crash tests: the built @rms/consumer, an inbox in MariaDB, and an
// effect row per handled message (no unique key: a message applied twice would show as two).
'use strict';
const Redis = require('ioredis');
const { DataSource } = require('typeorm');
const { RmsConsumer } = require('../../libs/consumer');

async function main() {
  const env = process.env;
  const db = await new DataSource({
    type: 'mariadb',
    url: env.CONSUMER_DB_URL,
  }).initialize();
  await db.query(
    'CREATE TABLE IF NOT EXISTS effects (message_id VARCHAR(64) NOT NULL, at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))',
  );
  const redis = env.MQ_DRIVER === 'redis' ? new Redis(env.MQ_REDIS_URL) : undefined;
  const consumer = new RmsConsumer({
    driver: env.MQ_DRIVER,
    redis,
    rocketmq: env.ROCKETMQ_ENDPOINTS ? { endpoints: env.ROCKETMQ_ENDPOINTS } : undefined,
    rabbitmq: env.RABBITMQ_URL
      ? { url: env.RABBITMQ_URL, exchange: env.RABBITMQ_EXCHANGE }
      : undefined,
    group: env.GROUP,
    topics: [env.TOPIC],
    consumerName: env.CONSUMER_NAME,
    dataSource: db,
    concurrency: 8,
    claimIdleMs: 1500,
    retryBaseMs: 100,
    handler: async (message, tx) => {
      await tx.query('INSERT INTO effects (message_id) VALUES (?)', [message.id]);
      await new Promise((r) => setTimeout(r, Math.random() * 10));
    },
    onError: (error) => process.stderr.write(`consumer error: ${error && error.message}\n`),
  });
  await consumer.start();
  process.stdout.write('started\n');
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
