/**
 * The demo's points service: a consumer of its own (database `demo_points`) that credits points
 * for each paid order with the consumer SDK: inbox de-duplication in the handler's transaction,
 * acknowledgement after the commit, receipts to the message service. Run as a child process by
 * `main.ts`.
 *
 * Fault it can be asked for: an order whose body says `crash-consumer` kills the process in the
 * middle of its handler, after its write and before the commit, the first time it is handled.
 */
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { RmsConsumer } from '../../../libs/consumer/src';

async function main(): Promise<void> {
  const env = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is required`);
    return value;
  };
  const dataSource = new DataSource({ type: 'mysql', url: env('DATABASE_URL'), poolSize: 16 });
  await dataSource.initialize();
  // No unique key on order_id: an order credited twice would show as two rows.
  await dataSource.query(
    `CREATE TABLE IF NOT EXISTS points_ledger (id BIGINT AUTO_INCREMENT PRIMARY KEY,
       order_id VARCHAR(64) NOT NULL, user_id VARCHAR(64) NOT NULL, points INT NOT NULL,
       credited_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), INDEX (order_id))`,
  );
  // The faults already injected, written outside the handler's transaction so that they stay.
  await dataSource.query(
    'CREATE TABLE IF NOT EXISTS demo_faults (order_id VARCHAR(64) PRIMARY KEY)',
  );
  const redis = new Redis(env('MQ_REDIS_URL'), { maxRetriesPerRequest: null });
  redis.on('error', () => undefined); // the MQ may be down for a while: reads retry
  const consumer = new RmsConsumer({
    driver: 'redis',
    redis,
    group: 'points-service',
    topics: ['order-paid'],
    dataSource,
    concurrency: 8,
    claimIdleMs: 3000,
    retryBaseMs: 200,
    blockMs: 500,
    gapWindowMs: 10_000,
    receipts: { baseUrl: env('RMS_URL'), apiKey: env('RMS_GROUP_KEY'), flushMs: 500 },
    handler: async (message, tx) => {
      const order = message.json<{ orderId: string; userId: string; amount: number }>();
      await tx!.query('INSERT INTO points_ledger (order_id, user_id, points) VALUES (?, ?, ?)', [
        order.orderId,
        order.userId,
        Math.floor(order.amount),
      ]);
      // Once, whatever the delivery count: a read lost while the MQ is down counts as a delivery.
      if (message.properties.fault === 'crash-consumer') {
        const fault = await dataSource.query<{ affectedRows: number }>(
          'INSERT IGNORE INTO demo_faults (order_id) VALUES (?)',
          [order.orderId],
        );
        // Mid-handler: the write above never commits.
        if (fault.affectedRows === 1) process.kill(process.pid, 'SIGKILL');
      }
    },
    onGap: (gap) => console.error(`[points-service] gap: ${JSON.stringify(gap)}`),
  });
  await consumer.start();
  console.log('started');
  process.on('SIGTERM', () => {
    void consumer
      .stop()
      .then(() => dataSource.destroy())
      .then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
