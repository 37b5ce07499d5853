/**
 * `npm run bench`: starts the service (ROLE=all, redis driver) against the local MariaDB and
 * Redis, drives concurrent producers for a fixed time per scenario after a warm-up, and prints
 * one JSON line. Delivered means in the MQ: messages are counted in the Redis streams.
 */
import { createConnection } from 'mysql2/promise';
import Redis from 'ioredis';
import { HttpClient } from './http-client';
import {
  CONCURRENCY,
  DURATION_MS,
  WARMUP_MS,
  RATE,
  BATCH_SIZE,
  BATCH_CONCURRENCY,
  GROUPS,
  DB_SERVER,
  DATABASE,
  REDIS_QUEUES,
  REDIS_STREAMS,
  ADMIN_TOKEN,
  BODY,
  sleep,
  rate,
  percentile,
  startService,
  peakRssMb,
  closedLoop,
  drained,
  rawInsertReference,
} from './harness';

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
    const prepare = (topic: string, confirmed: boolean, messageGroup?: string) =>
      http.call('POST', '/v1/messages', key, {
        msgLogId: `m-${n++}`,
        topic,
        body: BODY,
        confirmed,
        messageGroup,
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
    // Scenario 2: confirmed: true (1 call per message); with `groups`, in GROUPS FIFO groups.
    const oneCall = (topic: string, ms: number, groups = 0) =>
      delivered(topic, ms, CONCURRENCY, async () => {
        const res = await prepare(topic, true, groups ? `g-${n % groups}` : undefined);
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
    await oneCall('warmup-d', WARMUP_MS, GROUPS);
    const grouped = await oneCall('grouped', DURATION_MS, GROUPS);

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
        grouped: { groups: GROUPS, msgsPerSec: grouped },
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
          grouped: ratio(grouped),
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
