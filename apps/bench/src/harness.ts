/** The benchmark's settings (environment variables) and shared helpers. */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPool } from 'mysql2/promise';

export const env = (name: string, fallback: string) => process.env[name] ?? fallback;
export const CONCURRENCY = Number(env('BENCH_CONCURRENCY', '32'));
export const DURATION_MS = Number(env('BENCH_SECONDS', '10')) * 1000;
export const WARMUP_MS = Number(env('BENCH_WARMUP_SECONDS', '2')) * 1000;
/** The HTTP ceiling sampled again just before each throughput figure, for this long. */
export const CEILING_SAMPLE_MS = Number(env('BENCH_CEILING_SAMPLE_SECONDS', '5')) * 1000;
export const RATE = Number(env('BENCH_RATE', '1000'));
export const BATCH_SIZE = Number(env('BENCH_BATCH_SIZE', '100'));
/** Concurrent batch callers: a few producers each sending full batches. */
export const BATCH_CONCURRENCY = Number(env('BENCH_BATCH_CONCURRENCY', '4'));
/** Message groups of the grouped scenario (per-group FIFO). */
export const GROUPS = Number(env('BENCH_GROUPS', '100'));
/** Messages piled up while the MQ fails, for the backlog drain. */
export const BACKLOG = Number(env('BENCH_BACKLOG', '50000'));
/** SENT rows put in the table for the table-growth figure. */
export const HISTORY = Number(env('BENCH_HISTORY_ROWS', '1000000'));
/**
 * Pairs of runs (grown table, empty table) of the side-by-side growth figure, and each run's
 * length. The order within a pair alternates: an even number of pairs puts each side first as
 * often.
 */
export const GROWTH_PAIRS = Number(env('BENCH_GROWTH_PAIRS', '4'));
export const GROWTH_PAIR_MS = Number(env('BENCH_GROWTH_PAIR_SECONDS', '5')) * 1000;
export const DB_SERVER = env('BENCH_DB_SERVER', 'mysql://root@127.0.0.1:3306');
export const DATABASE = 'rms_bench';
/** The empty table's database of the side-by-side growth figure (a second service's). */
export const EMPTY_DATABASE = 'rms_bench_empty';
export const REDIS_QUEUES = 'redis://127.0.0.1:6379/11';
export const REDIS_STREAMS = 'redis://127.0.0.1:6379/10';
export const ADMIN_TOKEN = randomBytes(16).toString('hex');
export const BODY = JSON.stringify({
  orderId: 123456,
  userId: 42,
  amount: 99.5,
  items: ['sku-1', 'sku-2'],
});

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);
export const round2 = (v: number) => Math.round(v * 100) / 100;
/** CPU seconds per 1,000 of `n`, to the millisecond. */
export const per1000 = (seconds: number, n: number) => Math.round((seconds / n) * 1e6) / 1000;
export const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : null;

/** Waits until `url` answers 2xx, or fails after 30 s. */
async function answers(url: string, init?: RequestInit): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (
      await fetch(url, init).then(
        (r) => r.status < 500,
        () => false,
      )
    )
      return;
    await sleep(100);
  }
  throw new Error(`${url} did not answer`);
}

/** `child` once `url` answers; a child that does not is stopped. */
async function answering(child: ChildProcess, url: string, init?: RequestInit) {
  try {
    await answers(url, init);
    return child;
  } catch (error) {
    child.kill('SIGTERM');
    throw error;
  }
}

/** The MQ the service delivers to (`MQ_DRIVER`): `redis` (default) or `rabbitmq`. */
export const MQ_DRIVER = process.env.MQ_DRIVER === 'rabbitmq' ? 'rabbitmq' : 'redis';
export const RABBITMQ_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const RABBITMQ_EXCHANGE = 'rms-bench';

/** The built service (ROLE=all, default configuration but for `env`). */
export async function startService(
  port: number,
  env: Record<string, string> = {},
): Promise<ChildProcess> {
  // BENCH_NODE_ARGS: extra node arguments for the service, e.g. "--cpu-prof --cpu-prof-dir=prof".
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const main = join(__dirname, '../../message-service/src/main.js');
  const child = spawn(process.execPath, [...nodeArgs, main], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      DATABASE_URL: `${DB_SERVER}/${DATABASE}`,
      REDIS_URL: REDIS_QUEUES,
      MQ_REDIS_URL: REDIS_STREAMS,
      ADMIN_TOKEN,
      ROLE: 'all',
      MQ_DRIVER: MQ_DRIVER,
      RABBITMQ_URL,
      RABBITMQ_EXCHANGE,
      LOG_FORMAT: 'json',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return answering(child, `http://127.0.0.1:${port}/health/live`);
}

/** The bare-HTTP ceiling server (`ceiling.ts`) in a process of its own. */
export async function startCeiling(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(__dirname, 'ceiling.js')], {
    env: { PATH: process.env.PATH, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return answering(child, `http://127.0.0.1:${port}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
}

/** CPU time a process has used so far (user + system), in seconds. */
export function cpuSeconds(pid: number): number {
  // /proc/<pid>/stat: fields 14 and 15 (utime, stime) in clock ticks, counted after the ")".
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * A process's main thread (the event loop) so far, in seconds: time on a core, and time it was
 * runnable but waiting for one (/proc/<pid>/schedstat; the thread group leader only).
 */
export function mainThreadSeconds(pid: number): { running: number; waiting: number } {
  const [running, waiting] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ').map(Number);
  return { running: running / 1e9, waiting: waiting / 1e9 };
}

/** Peak resident memory of a process (VmHWM), in MB. */
export function peakRssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmHWM:'));
  return Math.round(Number(line?.replace(/\D+/g, '') ?? 0) / 1024);
}

/** Runs `worker` in `concurrency` loops until `until`; returns how many iterations finished. */
export async function closedLoop(
  concurrency: number,
  until: number,
  worker: () => Promise<void>,
): Promise<number> {
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < until) {
        await worker();
        done++;
      }
    }),
  );
  return done;
}

export async function rawInsertReference(): Promise<number> {
  const pool = createPool({ uri: `${DB_SERVER}/${DATABASE}`, connectionLimit: CONCURRENCY });
  await pool.query(
    'CREATE TABLE IF NOT EXISTS bench_reference (id BIGINT AUTO_INCREMENT PRIMARY KEY, payload VARCHAR(255) NOT NULL) ENGINE=InnoDB',
  );
  const until = Date.now() + WARMUP_MS + DURATION_MS;
  const measureFrom = Date.now() + WARMUP_MS;
  let counted = 0;
  await closedLoop(CONCURRENCY, until, async () => {
    await pool.query('INSERT INTO bench_reference (payload) VALUES (?)', [BODY]);
    if (Date.now() >= measureFrom) counted++;
  });
  await pool.end();
  return rate(counted, DURATION_MS);
}
