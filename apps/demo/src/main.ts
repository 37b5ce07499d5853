/**
 * `npm run demo`: the order → points story with faults. Starts the message service, an order
 * service (producer SDK, barrier table, database `demo_orders`) and a points service (consumer
 * SDK, inbox, database `demo_points`) on the local MariaDB and Redis, places orders while it
 * injects faults, waits until everything settled, and prints what each database holds and the
 * service's reconciliation. Exits 1 when a committed order has no points, an order was credited
 * twice, or a rolled-back order got points.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Redis from 'ioredis';
import { createConnection } from 'mysql2/promise';
import { CHECK_BACK_PATH, OrderRequest } from './order-request';
import { freePort, Supervised } from './processes';
import { allGood, printReconciliation, printTable, readSettled, ReconciliationRow } from './report';
import { TcpProxy } from './tcp-proxy';

const ORDERS = Number(process.env.DEMO_ORDERS ?? '400');
const CONCURRENCY = Number(process.env.DEMO_CONCURRENCY ?? '8');
const MQ_OUTAGE_MS = Number(process.env.DEMO_MQ_OUTAGE_MS ?? '3000');
const DB_SERVER = process.env.DEMO_DB_SERVER ?? 'mysql://root@127.0.0.1:3306';
const REDIS_HOST = process.env.DEMO_REDIS_HOST ?? '127.0.0.1';
const REDIS_PORT = Number(process.env.DEMO_REDIS_PORT ?? '6379');
/** Redis databases of the demo: queues and the MQ's streams (tests and bench use others). */
const QUEUE_DB = 6;
const STREAM_DB = 7;
const ADMIN_TOKEN = randomBytes(16).toString('hex');
const dist = (file: string) => join(__dirname, file);
const log = (text: string) => console.log(`[demo] ${text}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Which fault an order carries: a fixed plan, so that every run injects the same. */
function faultOf(i: number): OrderRequest['fault'] {
  if (i % 25 === 7) return 'rollback';
  if (i === Math.floor(ORDERS * 0.2) || i === Math.floor(ORDERS * 0.7))
    return 'crash-before-confirm';
  if (i === Math.floor(ORDERS * 0.4)) return 'crash-consumer';
  return undefined;
}

async function main(): Promise<void> {
  const started = Date.now();
  const db = await createConnection({ uri: DB_SERVER });
  for (const name of ['demo_rms', 'demo_orders', 'demo_points']) {
    await db.query(`DROP DATABASE IF EXISTS ${name}`);
  }
  await db.query('CREATE DATABASE demo_orders');
  await db.query('CREATE DATABASE demo_points');
  const streams = new Redis({ host: REDIS_HOST, port: REDIS_PORT, db: STREAM_DB });
  await streams.flushdb();
  await new Redis({ host: REDIS_HOST, port: REDIS_PORT, db: QUEUE_DB })
    .flushdb()
    .then(() => undefined);

  // The MQ (Redis Streams) is reached through a proxy that the demo can cut.
  const mq = new TcpProxy(REDIS_HOST, REDIS_PORT);
  const mqUrl = `redis://127.0.0.1:${await mq.start()}/${STREAM_DB}`;
  const [rmsPort, orderPort] = [await freePort(), await freePort()];
  const rmsUrl = `http://127.0.0.1:${rmsPort}`;
  const rms = new Supervised(
    'message service',
    join(__dirname, '../../message-service/src/main.js'),
    {
      PORT: String(rmsPort),
      DATABASE_URL: `${DB_SERVER}/demo_rms`,
      REDIS_URL: `redis://${REDIS_HOST}:${REDIS_PORT}/${QUEUE_DB}`,
      MQ_REDIS_URL: mqUrl,
      QUEUE_PREFIX: 'rms-demo',
      ADMIN_TOKEN,
      LOG_FORMAT: 'json',
      CHECK_BACK_DELAY_MS: '2000',
      SWEEP_INTERVAL_MS: '500',
      RETRY_BASE_MS: '300',
      RETRY_MAX_MS: '2000',
      CLAIM_TIMEOUT_MS: '5000',
      RECONCILE_GRACE_MS: '3000',
    },
    async () => (await fetch(`${rmsUrl}/health/ready`)).ok,
  );
  log(`starting the message service on :${rmsPort}`);
  await rms.start();
  const admin = async <T>(path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${rmsUrl}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const producer = await admin<{ apiKey: string; signingSecret: string }>('/v1/admin/producers', {
    id: 'order-service',
    checkBackUrl: `http://127.0.0.1:${orderPort}${CHECK_BACK_PATH}`,
  });
  const group = await admin<{ apiKey: string }>('/v1/admin/consumer-groups', {
    id: 'points-service',
    topics: ['order-paid'],
  });

  const orders = new Supervised('order service', dist('order-service.js'), {
    PORT: String(orderPort),
    DATABASE_URL: `${DB_SERVER}/demo_orders`,
    RMS_URL: rmsUrl,
    RMS_API_KEY: producer.apiKey,
    RMS_SIGNING_SECRET: producer.signingSecret,
    PRODUCER_ID: 'order-service',
  });
  const points = new Supervised('points service', dist('points-service.js'), {
    DATABASE_URL: `${DB_SERVER}/demo_points`,
    MQ_REDIS_URL: mqUrl,
    RMS_URL: rmsUrl,
    RMS_GROUP_KEY: group.apiKey,
  });
  log(`starting the order service on :${orderPort} and the points service`);
  await Promise.all([orders.start(), points.start()]);

  // Orders, CONCURRENCY at a time; an order service that dies is waited for, not retried.
  const counts = { placed: 0, rolledBack: 0, refused: 0, failedRequests: 0, mqOutages: 0 };
  let next = 0;
  let outage: Promise<void> | undefined;
  const place = async (i: number) => {
    const order: OrderRequest = {
      orderId: `o-${i}`,
      userId: `u-${i % 37}`,
      amount: 10 + (i % 90),
      fault: faultOf(i),
    };
    if (i === Math.floor(ORDERS / 2) && !outage) {
      counts.mqOutages++;
      log(`the MQ goes down for ${MQ_OUTAGE_MS} ms`);
      mq.cut();
      outage = sleep(MQ_OUTAGE_MS)
        .then(() => mq.restore())
        .then(() => log('the MQ is back'));
    }
    let res: Response | undefined;
    for (;;) {
      await orders.waitUp();
      const sent = await fetch(`http://127.0.0.1:${orderPort}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(order),
      }).catch((error: Error & { cause?: { code?: string } }) => error);
      if (!(sent instanceof Error)) res = sent;
      // Refused: the order service is restarting and never saw the order, so send it again.
      else if (sent.cause?.code === 'ECONNREFUSED') continue;
      break;
    }
    // No answer: the order service died (on purpose) with the order in hand.
    if (!res) {
      counts.failedRequests++;
      return;
    }
    const answer = (await res.json()) as { error?: string };
    if (res.status === 201) counts.placed++;
    else if (answer.error === 'payment declined') counts.rolledBack++;
    else counts.refused++;
  };
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < ORDERS; i = next++) {
        await place(i);
        if ((i + 1) % 100 === 0) log(`${i + 1}/${ORDERS} orders sent`);
      }
    }),
  );
  await outage;

  // Duplicate deliveries: two entries of the stream written again.
  const entries = await streams.xrange('rms:order-paid', '-', '+', 'COUNT', 2);
  for (const [, fields] of entries) await streams.xadd('rms:order-paid', '*', ...fields);
  log(`${ORDERS} orders sent; waiting until every committed order is credited and reconciled`);

  const reconciliation = async () =>
    (await admin<{ items: ReconciliationRow[] }>('/v1/admin/reconciliation')).items;
  const deadline = Date.now() + 90_000;
  let settled = await readSettled(db, streams, reconciliation);
  while (!allGood(settled) && Date.now() < deadline) {
    await sleep(500);
    settled = await readSettled(db, streams, reconciliation);
  }
  const { outcome, byStatus, decidedByCheckBack: checkedBack } = settled;

  printTable('faults injected', [
    ['order service killed between commit and confirm', orders.restarts],
    ['business transactions rolled back after prepare', counts.rolledBack],
    ['MQ outages', `${counts.mqOutages} (${MQ_OUTAGE_MS} ms)`],
    ['sends refused while the MQ was down', settled.failedSends],
    ['points service killed mid-handler', points.restarts],
    ['duplicate deliveries', entries.length],
  ]);
  printTable('outcome', [
    ['orders sent', ORDERS],
    ['orders committed', outcome.ordersCommitted],
    ['points credited', outcome.pointsCredited],
    ['lost', outcome.lost],
    ['applied twice', outcome.appliedTwice],
    ['points for rolled-back orders', outcome.pointsForRolledBack],
    [
      'messages SENT / CANCELLED / other',
      `${byStatus(1)} / ${byStatus(4)} / ${byStatus(0) + byStatus(2) + byStatus(3)}`,
    ],
    ['decided by check-back: committed / rolled back', `${checkedBack(1)} / ${checkedBack(4)}`],
    ['stream entries unread or unacknowledged', settled.unread],
    ['requests cut off by a crash', counts.failedRequests],
    ['orders refused for another reason', counts.refused],
    ['took', `${((Date.now() - started) / 1000).toFixed(1)} s`],
  ]);
  printReconciliation(settled.rows);
  const ok = allGood(settled);
  console.log(
    `\n${ok ? 'OK' : 'FAILED'}: orders committed = points credited = ${outcome.pointsCredited}, ${outcome.lost} lost, ${outcome.appliedTwice} applied twice, ${outcome.pointsForRolledBack} points for rolled-back orders`,
  );

  await Promise.all([points.stop(), orders.stop()]);
  await rms.stop();
  mq.stop();
  streams.disconnect();
  await db.end();
  process.exit(ok ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
