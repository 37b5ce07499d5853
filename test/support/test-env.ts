/** Where the e2e suites keep their data: a database of their own on the local server. */
export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/rms_test';
/** BullMQ's database; flushed by tests that prove nothing depends on it. */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/15';
/** The `redis` MQ driver's streams: a database of their own, so flushing the queues spares them. */
export const TEST_MQ_REDIS_URL = process.env.TEST_MQ_REDIS_URL ?? 'redis://127.0.0.1:6379/14';

/**
 * The BullMQ key prefix of the running suite: every suite (and the service processes it starts)
 * has its own, so that no suite's sweep schedulers or jobs reach another suite's instances.
 */
export function suiteQueuePrefix(): string {
  const path = expect.getState().testPath ?? 'unknown';
  const name = path
    .replace(/^.*[\\/]/, '')
    .replace(/\.[^.]*$/, '')
    .replace(/[^\w-]/g, '_');
  return `rms-test:${name}`;
}

/** The PostgreSQL server of the producer SDK's tests (a business database of their own). */
export const TEST_PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';

/** The RabbitMQ broker of the rabbitmq driver's tests; each suite publishes to an exchange of its own. */
export const TEST_RABBITMQ_URL =
  process.env.TEST_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
