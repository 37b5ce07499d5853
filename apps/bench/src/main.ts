/**
 * `npm run bench`: measures, in one run on this machine, the HTTP ceiling (a bare Fastify route),
 * then starts the service (ROLE=all, the `redis` driver or `MQ_DRIVER=rabbitmq`, default
 * configuration) against the local MariaDB and Redis (and RabbitMQ) and drives its scenarios,
 * each for a fixed time after a warm-up, and prints one JSON line. Delivered means in the MQ:
 * messages are counted in the Redis streams, or in a queue bound to each topic.
 */
import Redis from 'ioredis';
import { createConnection } from 'mysql2/promise';
import { drain, pileUp, stopProcess } from './backlog';
import { addHistory, growthPairs, settle } from './growth';
import {
  ADMIN_TOKEN,
  BATCH_CONCURRENCY,
  BATCH_SIZE,
  BODY,
  CEILING_SAMPLE_MS,
  closedLoop,
  CONCURRENCY,
  cpuSeconds,
  DATABASE,
  DB_SERVER,
  DURATION_MS,
  EMPTY_DATABASE,
  GROUPS,
  GROWTH_PAIR_MS,
  GROWTH_PAIRS,
  HISTORY,
  MQ_DRIVER,
  peakRssMb,
  per1000,
  RABBITMQ_EXCHANGE,
  RABBITMQ_URL,
  rate,
  rawInsertReference,
  round2,
  REDIS_QUEUES,
  REDIS_STREAMS,
  startCeiling,
  startService,
  WARMUP_MS,
} from './harness';
import { HttpClient } from './http-client';
import { Scenarios } from './scenarios';
import { DeliverySink, RabbitMqSink, RedisStreamSink } from './sink';

const port = () => 3900 + Math.floor(Math.random() * 90);
/** A port other than `taken`. */
const otherPort = (taken: number) => {
  let p: number;
  do p = port();
  while (p === taken);
  return p;
};

/** Registers the producer `bench` and returns its API key. */
async function registerProducer(http: HttpClient): Promise<string> {
  const res = await http.call('POST', '/v1/admin/producers', ADMIN_TOKEN, {
    id: 'bench',
    checkBackUrl: 'http://127.0.0.1:9/none',
  });
  if (res.status !== 201 || !res.json.apiKey) {
    throw new Error(`producer registration: ${res.status} ${JSON.stringify(res.json)}`);
  }
  return res.json.apiKey;
}

/**
 * Requests/s the bare route answers, with the same load generator and concurrency, and the CPU
 * seconds per 1,000 requests of its process.
 */
async function httpCeiling(ms = DURATION_MS): Promise<{ rate: number; cpuPer1000: number }> {
  const p = port();
  const ceiling = await startCeiling(p);
  const http = new HttpClient(new URL(`http://127.0.0.1:${p}`), CONCURRENCY * 2);
  try {
    let n = 0;
    const call = async () => {
      const res = await http.call('POST', '/v1/messages', 'x', {
        msgLogId: `m-${n++}`,
        topic: 'ceiling',
        body: BODY,
        confirmed: true,
      });
      if (res.status !== 201) throw new Error(`ceiling: ${res.status}`);
    };
    await closedLoop(CONCURRENCY, Date.now() + WARMUP_MS, call);
    const cpuBefore = cpuSeconds(ceiling.pid!);
    const answered = await closedLoop(CONCURRENCY, Date.now() + ms, call);
    return {
      rate: rate(answered, ms),
      cpuPer1000: per1000(cpuSeconds(ceiling.pid!) - cpuBefore, answered),
    };
  } finally {
    http.close();
    ceiling.kill('SIGTERM');
  }
}

async function main(): Promise<void> {
  const { rate: ceiling, cpuPer1000: ceilingCpu } = await httpCeiling();

  const admin = await createConnection({ uri: DB_SERVER });
  await admin.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
  await admin.query(`DROP DATABASE IF EXISTS ${EMPTY_DATABASE}`);
  await admin.end();
  for (const url of [REDIS_QUEUES, REDIS_STREAMS]) {
    const r = new Redis(url);
    await r.flushdb();
    r.disconnect();
  }
  const p = port();
  let service = await startService(p);
  const http = new HttpClient(new URL(`http://127.0.0.1:${p}`), CONCURRENCY * 2);
  const streams: DeliverySink =
    MQ_DRIVER === 'rabbitmq'
      ? await RabbitMqSink.open(RABBITMQ_URL, RABBITMQ_EXCHANGE)
      : new RedisStreamSink(new Redis(REDIS_STREAMS));
  const db = await createConnection({ uri: `${DB_SERVER}/${DATABASE}` });
  try {
    const s = new Scenarios(http, await registerProducer(http), streams, service.pid!);

    // The machine's speed drifts over a run: each figure also gets a ceiling sample taken just
    // before it (the service idle meanwhile).
    const near: Record<string, number> = {};
    const nearCpu: Record<string, number> = {};
    const sample = async (figure: string) => {
      ({ rate: near[figure], cpuPer1000: nearCpu[figure] } = await httpCeiling(CEILING_SAMPLE_MS));
    };
    await sample('prepareConfirm');
    await s.twoCalls('warmup-a', WARMUP_MS);
    const prepareConfirm = await s.twoCalls('prepare-confirm', DURATION_MS);
    await sample('confirmedTrue');
    await s.oneCall('warmup-b', WARMUP_MS);
    const confirmedTrue = await s.oneCall('confirmed-true', DURATION_MS);
    await sample('batch');
    await s.batches('warmup-c', WARMUP_MS);
    const batch = await s.batches('batch', DURATION_MS);
    await sample('grouped');
    await s.oneCall('warmup-d', WARMUP_MS, GROUPS);
    const grouped = await s.oneCall('grouped', DURATION_MS, GROUPS);
    const latency = await s.latency(db, 'latency', DURATION_MS);
    // The backlog: piled up through an API-only instance while no worker runs; then the worker
    // (the same service, started again) drains it. Hand-offs queued meanwhile are dropped, so
    // that the sweep finds the backlog in MySQL, as after an outage.
    let peakRss = peakRssMb(service.pid!);
    await stopProcess(service);
    const apiPort = port();
    const api = await startService(apiPort, { ROLE: 'api' });
    const apiHttp = new HttpClient(new URL(`http://127.0.0.1:${apiPort}`), CONCURRENCY * 2);
    await pileUp(new Scenarios(apiHttp, s.apiKey, streams, api.pid!), 'backlog');
    apiHttp.close();
    await stopProcess(api);
    const queues = new Redis(REDIS_QUEUES);
    await queues.flushdb();
    queues.disconnect();
    const restartedAt = Date.now();
    service = await startService(p);
    const backlog = await drain(streams, 'backlog', service.pid!, restartedAt);
    const http2 = new HttpClient(new URL(`http://127.0.0.1:${p}`), CONCURRENCY * 2);
    const s2 = new Scenarios(http2, s.apiKey, streams, service.pid!);
    const historyInsertMs = await addHistory(db, 'bench');
    const flushed = await settle(db);
    await sample('grown');
    await s2.twoCalls('warmup-e', WARMUP_MS);
    const grown = await s2.twoCalls('prepare-confirm-grown', DURATION_MS);
    // The same beside an empty table, in pairs of runs seconds apart: a second service (its own
    // database and queues) over an empty database.
    const emptyPort = otherPort(p);
    const emptyService = await startService(emptyPort, {
      DATABASE_URL: `${DB_SERVER}/${EMPTY_DATABASE}`,
      QUEUE_PREFIX: 'rms-bench-empty',
    });
    const emptyHttp = new HttpClient(new URL(`http://127.0.0.1:${emptyPort}`), CONCURRENCY * 2);
    let sideBySide: Awaited<ReturnType<typeof growthPairs>>;
    try {
      const empty = new Scenarios(
        emptyHttp,
        await registerProducer(emptyHttp),
        streams,
        emptyService.pid!,
      );
      sideBySide = await growthPairs(s2, empty, GROWTH_PAIRS, GROWTH_PAIR_MS);
      peakRss = Math.max(peakRss, peakRssMb(emptyService.pid!));
    } finally {
      emptyHttp.close();
      await stopProcess(emptyService);
    }
    http2.close();
    peakRss = Math.max(peakRss, peakRssMb(service.pid!));
    const reference = await rawInsertReference();

    console.log(
      JSON.stringify({
        mqDriver: MQ_DRIVER,
        concurrency: CONCURRENCY,
        seconds: DURATION_MS / 1000,
        httpCeilingRequestsPerSec: ceiling,
        prepareConfirm,
        confirmedTrue,
        batch: { size: BATCH_SIZE, concurrency: BATCH_CONCURRENCY, ...batch },
        grouped: { groups: GROUPS, ...grouped },
        confirmToReceiptMs: latency,
        backlogDrain: backlog,
        tableGrowth: {
          sentRows: HISTORY,
          insertSeconds: round2(historyInsertMs / 1000),
          flushWaitSeconds: round2(flushed.waitedMs / 1000),
          flushed: flushed.settled,
          prepareConfirm: grown,
          ratioToEmpty: round2(grown.msgsPerSec / prepareConfirm.msgsPerSec),
          // Each figure taken relative to the ceiling sampled just before it.
          ratioToEmptyAtSameSpeed: round2(
            grown.msgsPerSec / near.grown / (prepareConfirm.msgsPerSec / near.prepareConfirm),
          ),
          // Pairs of runs seconds apart, the grown table against an empty one (growthPairs).
          sideBySide: { seconds: GROWTH_PAIR_MS / 1000, ...sideBySide },
        },
        servicePeakRssMb: peakRss,
        rawInsertCommitsPerSec: reference,
        // prepare + confirm is two requests per message.
        ratioToHttpCeiling: {
          prepareConfirm: round2(prepareConfirm.msgsPerSec / (ceiling / 2)),
          confirmedTrue: round2(confirmedTrue.msgsPerSec / ceiling),
          batch: round2(batch.msgsPerSec / ceiling),
          grouped: round2(grouped.msgsPerSec / ceiling),
        },
        httpCeilingSamples: near,
        // The bare route's process CPU per 1,000 requests in the run's first ceiling and in each
        // sample; a message's cost in bare requests is the service's CPU per message over it:
        // CPU against CPU, whatever the share of the cores each got (the machine's speed between
        // the sample and the figure still moves it).
        httpCeilingCpuSecondsPer1000: ceilingCpu,
        httpCeilingSampleCpuSecondsPer1000: nearCpu,
        serviceCpuInBareRequests: {
          prepareConfirm: round2(prepareConfirm.cpuSecondsPer1000 / nearCpu.prepareConfirm),
          confirmedTrue: round2(confirmedTrue.cpuSecondsPer1000 / nearCpu.confirmedTrue),
          batch: round2(batch.cpuSecondsPer1000 / nearCpu.batch),
          grouped: round2(grouped.cpuSecondsPer1000 / nearCpu.grouped),
          grown: round2(grown.cpuSecondsPer1000 / nearCpu.grown),
        },
        ratioToCeilingSample: {
          prepareConfirm: round2(prepareConfirm.msgsPerSec / (near.prepareConfirm / 2)),
          confirmedTrue: round2(confirmedTrue.msgsPerSec / near.confirmedTrue),
          batch: round2(batch.msgsPerSec / near.batch),
          grouped: round2(grouped.msgsPerSec / near.grouped),
        },
        ratioToRawInsert: {
          prepareConfirm: round2(prepareConfirm.msgsPerSec / reference),
          confirmedTrue: round2(confirmedTrue.msgsPerSec / reference),
          batch: round2(batch.msgsPerSec / reference),
          backlogDrain: round2(backlog.msgsPerSec / reference),
        },
      }),
    );
  } finally {
    http.close();
    await streams.close();
    await db.end();
    service.kill('SIGTERM');
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
