/**
 * `npm run bench`: starts the service (ROLE=all, redis driver) against the local MariaDB and
 * Redis, drives concurrent producers for a fixed time per scenario after a warm-up, and prints
 * one JSON line. Delivered means in the MQ: messages are counted in the Redis streams.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { createConnection, createPool } from 'mysql2/promise';
import { HttpClient } from './http-client';

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const CONCURRENCY = Number(env('BENCH_CONCURRENCY', '32'));
const DURATION_MS = Number(env('BENCH_SECONDS', '10')) * 1000;
const WARMUP_MS = Number(env('BENCH_WARMUP_SECONDS', '2')) * 1000;
const RATE = Number(env('BENCH_RATE', '500'));
const BATCH_SIZE = Number(env('BENCH_BATCH_SIZE', '100'));
/** Concurrent batch callers: a few producers each sending full batches. */
const BATCH_CONCURRENCY = Number(env('BENCH_BATCH_CONCURRENCY', '4'));
const DB_SERVER = env('BENCH_DB_SERVER', 'mysql://root@127.0.0.1:3306');
const DATABASE = 'rms_bench';
const REDIS_QUEUES = 'redis://127.0.0.1:6379/11';
const REDIS_STREAMS = 'redis://127.0.0.1:6379/10';
const ADMIN_TOKEN = randomBytes(16).toString('hex');
const BODY = JSON.stringify({
  orderId: 123456,
  userId: 42,
  amount: 99.5,
  items: ['sku-1', 'sku-2'],
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);
const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : null;

async function startService(port: number): Promise<ChildProcess> {
  // BENCH_NODE_ARGS: extra node arguments for the service, e.g. "--cpu-prof --cpu-prof-dir=prof".
  const nodeArgs = env('BENCH_NODE_ARGS', '').split(/\s+/).filter(Boolean);
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
      MQ_DRIVER: 'redis',
      LOG_FORMAT: 'json',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 300; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/health/live`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return child;
    await sleep(100);
  }
  throw new Error('the service did not start');
}

/** Peak resident memory of a process (VmHWM), in MB. */
function peakRssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmHWM:'));
  return Math.round(Number(line?.replace(/\D+/g, '') ?? 0) / 1024);
}

/** Runs `worker` in `concurrency` loops until `until`; returns how many iterations finished. */
async function closedLoop(
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

async function streamLength(redis: Redis, topic: string): Promise<number> {
  return redis.xlen(`rms:${topic}`);
}

/** Waits until the stream holds `expected` entries; returns when the last one arrived (ms). */
async function drained(
  redis: Redis,
  topic: string,
  expected: number,
  timeoutMs = 120_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await streamLength(redis, topic)) >= expected) {
      const [[lastId]] = await redis.xrevrange(`rms:${topic}`, '+', '-', 'COUNT', 1);
      return Number(lastId.split('-')[0]);
    }
    await sleep(50);
  }
  throw new Error(`${topic}: only ${await streamLength(redis, topic)} of ${expected} delivered`);
}

async function rawInsertReference(): Promise<number> {
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

async function main(): Promise<void> {
  const admin = await createConnection({ uri: DB_SERVER });
  await admin.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
  await admin.end();
  for (const url of [REDIS_QUEUES, REDIS_STREAMS]) {
    const r = new Redis(url);
    await r.flushdb();
    r.disconnect();
  }
  const port = 3900 + Math.floor(Math.random() * 90);
  const service = await startService(port);
  const base = new URL(`http://127.0.0.1:${port}`);
  const http = new HttpClient(base, CONCURRENCY * 2);
  const streams = new Redis(REDIS_STREAMS);
  try {
    const registered = await http.call('POST', '/v1/admin/producers', ADMIN_TOKEN, {
      id: 'bench',
      checkBackUrl: 'http://127.0.0.1:9/none',
    });
    const key = registered.json.apiKey!;
    let n = 0;
    const prepare = (topic: string, confirmed: boolean) =>
      http.call('POST', '/v1/messages', key, {
        msgLogId: `m-${n++}`,
        topic,
        body: BODY,
        confirmed,
      });

    /**
     * Messages/s delivered to `topic` while `concurrency` loops run `send` (which answers how
     * many messages it sent) for `ms`, counted in the stream until the last one arrived.
     */
    const delivered = async (
      topic: string,
      ms: number,
      concurrency: number,
      send: () => Promise<number>,
    ) => {
      const start = Date.now();
      let sent = 0;
      await closedLoop(concurrency, start + ms, async () => {
        const count = await send(); // (`sent += await send()` would read `sent` before awaiting)
        sent += count;
      });
      const last = await drained(streams, topic, sent);
      return rate(sent, Math.max(last - start, ms));
    };
    // Scenario 1: prepare + confirm (2 calls per message), closed loop.
    const twoCall = (topic: string, ms: number) =>
      delivered(topic, ms, CONCURRENCY, async () => {
        const res = await prepare(topic, false);
        if (res.status !== 201)
          throw new Error(`prepare: ${res.status} ${JSON.stringify(res.json)}`);
        const confirm = await http.call('POST', `/v1/messages/${res.json.id!}/confirm`, key);
        if (confirm.status !== 200) throw new Error(`confirm: ${confirm.status}`);
        return 1;
      });
    // Scenario 2: confirmed: true (1 call per message).
    const oneCall = (topic: string, ms: number) =>
      delivered(topic, ms, CONCURRENCY, async () => {
        const res = await prepare(topic, true);
        if (res.status !== 201) throw new Error(`prepare: ${res.status}`);
        return 1;
      });
    // Scenario 3: batches of BATCH_SIZE messages with confirmed: true (1 call per batch).
    const batches = (topic: string, ms: number) =>
      delivered(topic, ms, BATCH_CONCURRENCY, async () => {
        const messages = Array.from({ length: BATCH_SIZE }, () => ({
          msgLogId: `m-${n++}`,
          topic,
          body: BODY,
          confirmed: true,
        }));
        const res = await http.call('POST', '/v1/messages/batch', key, { messages });
        const created = res.json.items?.filter((i) => i.statusCode === 201).length;
        if (res.status !== 200 || created !== BATCH_SIZE) {
          throw new Error(`batch: ${res.status} ${JSON.stringify(res.json).slice(0, 300)}`);
        }
        return created;
      });

    await twoCall('warmup-a', WARMUP_MS);
    const prepareConfirm = await twoCall('prepare-confirm', DURATION_MS);
    await oneCall('warmup-b', WARMUP_MS);
    const confirmedTrue = await oneCall('confirmed-true', DURATION_MS);
    await batches('warmup-c', WARMUP_MS);
    const batch = await batches('batch', DURATION_MS);

    // Scenario 4: latency at an offered load of RATE messages/s (open loop, prepare + confirm).
    const confirmedIds: string[] = [];
    const started = Date.now();
    const inFlight: Promise<void>[] = [];
    for (let i = 0; Date.now() - started < DURATION_MS; i++) {
      const due = started + (i * 1000) / RATE;
      if (due > Date.now()) await sleep(due - Date.now());
      inFlight.push(
        (async () => {
          const res = await prepare('latency', false);
          await http.call('POST', `/v1/messages/${res.json.id!}/confirm`, key);
          confirmedIds.push(res.json.id!);
        })(),
      );
    }
    await Promise.all(inFlight);
    await drained(streams, 'latency', confirmedIds.length);
    const db = await createConnection({ uri: `${DB_SERVER}/${DATABASE}` });
    const [rows] = await db.query(
      `SELECT TIMESTAMPDIFF(MICROSECOND, confirmed_at, sent_at) / 1000 AS ms FROM messages
        WHERE topic = 'latency' AND status = 1 ORDER BY ms`,
    );
    await db.end();
    const latencies = (rows as { ms: string }[]).map((r) => Number(r.ms));
    const offered = rate(confirmedIds.length, DURATION_MS);

    const rssMb = peakRssMb(service.pid!);
    const reference = await rawInsertReference();
    const ratio = (v: number) => Math.round((v / reference) * 100) / 100;
    console.log(
      JSON.stringify({
        concurrency: CONCURRENCY,
        seconds: DURATION_MS / 1000,
        prepareConfirmMsgsPerSec: prepareConfirm,
        confirmedTrueMsgsPerSec: confirmedTrue,
        batch: { size: BATCH_SIZE, concurrency: BATCH_CONCURRENCY, msgsPerSec: batch },
        latencyOfferedMsgsPerSec: offered,
        confirmToReceiptMs: {
          p50: percentile(latencies, 50),
          p99: percentile(latencies, 99),
          max: latencies.at(-1) ?? null,
        },
        servicePeakRssMb: rssMb,
        rawInsertCommitsPerSec: reference,
        ratioToRawInsert: {
          prepareConfirm: ratio(prepareConfirm),
          confirmedTrue: ratio(confirmedTrue),
          batch: ratio(batch),
        },
      }),
    );
  } finally {
    http.close();
    streams.disconnect();
    service.kill('SIGTERM');
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
