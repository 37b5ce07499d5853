import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { createBusinessDb } from '../support/business-db';
import { ConsumerHarness, Driver } from '../support/consumer-harness';
import { TEST_DATABASE_URL, TEST_MQ_REDIS_URL } from '../support/test-env';
import { waitFor } from '../support/wait';

const CHILD = join(__dirname, '../support/consumer-child.js');

/** The consumer as a process of its own (the built package), to be killed without warning. */
function startChild(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CHILD], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('started')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`consumer exited with ${code}: ${output}`)));
  });
}

describe.each<Driver>(['redis', 'rocketmq', 'rabbitmq'])(
  'A consumer process killed mid-run on %s (e2e)',
  (driver) => {
    const h = new ConsumerHarness(driver);
    let db: DataSource;
    const children: ChildProcess[] = [];

    beforeAll(async () => {
      await h.start();
      db = await createBusinessDb('mariadb', `rms_consumer_crash_${driver}`);
    });

    afterAll(async () => {
      for (const c of children) c.kill('SIGKILL');
      await db.destroy();
      await h.stop();
    });

    it('should apply each of 500 messages exactly once after a SIGKILL and a restart', async () => {
      const topic = await h.topic();
      const ids = await h.publish(topic, 500);
      const server = new URL(TEST_DATABASE_URL);
      server.pathname = `/rms_consumer_crash_${driver}`;
      const group = `crash-${driver}-${Date.now()}`;
      const env = {
        CONSUMER_DB_URL: server.toString(),
        MQ_DRIVER: driver,
        MQ_REDIS_URL: TEST_MQ_REDIS_URL,
        ...(h.emulator ? { ROCKETMQ_ENDPOINTS: h.emulator.endpoints } : {}),
        ...(h.rabbit
          ? { RABBITMQ_URL: h.rabbitmq.url, RABBITMQ_EXCHANGE: h.rabbitmq.exchange }
          : {}),
        GROUP: group,
        TOPIC: topic,
      };
      const effects = async () =>
        db.query<{ message_id: string; n: string | number }[]>(
          'SELECT message_id, COUNT(*) AS n FROM effects GROUP BY message_id',
        );
      await h.attach(env.GROUP, [topic]);
      const first = await startChild({ ...env, CONSUMER_NAME: 'first' });
      children.push(first);
      await waitFor(
        async () => (await effects().catch(() => [])).length >= 150,
        '150 messages handled',
        30_000,
        20,
      );
      first.kill('SIGKILL');
      await new Promise((r) => first.once('exit', r));
      const before = (await effects()).length;
      expect(before).toBeLessThan(500);

      children.push(await startChild({ ...env, CONSUMER_NAME: 'second' }));
      await waitFor(
        async () => (await effects()).length === 500,
        'all 500 messages handled',
        60_000,
        200,
      );
      const rows = await effects();
      expect(rows.filter((r) => Number(r.n) !== 1)).toEqual([]);
      expect(rows.map((r) => r.message_id).sort()).toEqual([...ids].sort());
      const [inbox] = await db.query<{ n: string | number }[]>(
        'SELECT COUNT(*) AS n FROM rms_inbox WHERE consumer_group = ?',
        [group],
      );
      expect(Number(inbox.n)).toBe(500);
    });
  },
);
