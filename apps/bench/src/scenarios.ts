import { Connection } from 'mysql2/promise';
import { HttpClient } from './http-client';
import {
  BATCH_CONCURRENCY,
  BATCH_SIZE,
  BODY,
  CONCURRENCY,
  closedLoop,
  cpuSeconds,
  mainThreadSeconds,
  per1000,
  percentile,
  rate,
  RATE,
  sleep,
} from './harness';
import { DeliverySink } from './sink';

/**
 * A throughput figure: messages/s delivered; the service's CPU seconds per 1,000 (all its
 * threads), those of its main thread alone, and the share of the time its main thread waited
 * for a core (runnable, but the cores busy with the database, the load generator or itself).
 */
export interface Throughput {
  msgsPerSec: number;
  cpuSecondsPer1000: number;
  mainThreadCpuSecondsPer1000: number;
  mainThreadWaitShare: number;
}

/** The scenarios against one running service, each on a topic of its own. */
/** Message ids' msgLogIds are unique across every Scenarios of a run. */
let n = 0;

export class Scenarios {
  constructor(
    private readonly http: HttpClient,
    readonly apiKey: string,
    readonly sink: DeliverySink,
    private readonly servicePid: number,
  ) {}

  prepare(topic: string, confirmed: boolean, messageGroup?: string) {
    return this.http.call('POST', '/v1/messages', this.apiKey, {
      msgLogId: `m-${n++}`,
      topic,
      body: BODY,
      confirmed,
      messageGroup,
    });
  }

  /** `count` messages in batches of BATCH_SIZE, `confirmed: true`, on `topic`. */
  async batch(topic: string, count = BATCH_SIZE): Promise<number> {
    const messages = Array.from({ length: count }, () => ({
      msgLogId: `m-${n++}`,
      topic,
      body: BODY,
      confirmed: true,
    }));
    const res = await this.http.call('POST', '/v1/messages/batch', this.apiKey, { messages });
    const created = res.json.items?.filter((i) => i.statusCode === 201).length;
    if (res.status !== 200 || created !== count) {
      throw new Error(`batch: ${res.status} ${JSON.stringify(res.json).slice(0, 300)}`);
    }
    return created;
  }

  /**
   * Messages/s delivered to `topic` while `concurrency` loops run `send` (which answers how many
   * messages it sent) for `ms`, counted in the MQ until the last one arrived.
   */
  private async delivered(
    topic: string,
    ms: number,
    concurrency: number,
    send: () => Promise<number>,
  ): Promise<Throughput> {
    await this.sink.prepare(topic);
    const cpuBefore = cpuSeconds(this.servicePid);
    const mainBefore = mainThreadSeconds(this.servicePid);
    const start = Date.now();
    let sent = 0;
    await closedLoop(concurrency, start + ms, async () => {
      const count = await send(); // (`sent += await send()` would read `sent` before awaiting)
      sent += count;
    });
    const last = await this.sink.drained(topic, sent);
    const cpu = cpuSeconds(this.servicePid) - cpuBefore;
    const main = mainThreadSeconds(this.servicePid);
    const elapsed = (Date.now() - start) / 1000;
    return {
      msgsPerSec: rate(sent, Math.max(last - start, ms)),
      cpuSecondsPer1000: per1000(cpu, sent),
      mainThreadCpuSecondsPer1000: per1000(main.running - mainBefore.running, sent),
      mainThreadWaitShare: Math.round(((main.waiting - mainBefore.waiting) / elapsed) * 100) / 100,
    };
  }

  /** prepare + confirm (2 calls per message), closed loop. */
  twoCalls(topic: string, ms: number): Promise<Throughput> {
    return this.delivered(topic, ms, CONCURRENCY, async () => {
      const res = await this.prepare(topic, false);
      if (res.status !== 201) throw new Error(`prepare: ${res.status} ${JSON.stringify(res.json)}`);
      const confirm = await this.http.call(
        'POST',
        `/v1/messages/${res.json.id!}/confirm`,
        this.apiKey,
      );
      if (confirm.status !== 200) throw new Error(`confirm: ${confirm.status}`);
      return 1;
    });
  }

  /** `confirmed: true` (1 call per message); with `groups`, in that many FIFO groups. */
  oneCall(topic: string, ms: number, groups = 0): Promise<Throughput> {
    return this.delivered(topic, ms, CONCURRENCY, async () => {
      const group = groups ? `g-${n % groups}` : undefined;
      const res = await this.prepare(topic, true, group);
      if (res.status !== 201) throw new Error(`prepare: ${res.status}`);
      return 1;
    });
  }

  /** Batches of BATCH_SIZE with `confirmed: true` (1 call per batch). */
  batches(topic: string, ms: number): Promise<Throughput> {
    return this.delivered(topic, ms, BATCH_CONCURRENCY, () => this.batch(topic));
  }

  /** Confirm → receipt latency at an offered RATE messages/s (open loop, prepare + confirm). */
  async latency(db: Connection, topic: string, ms: number) {
    await this.sink.prepare(topic);
    const confirmed: string[] = [];
    const started = Date.now();
    const inFlight: Promise<void>[] = [];
    for (let i = 0; Date.now() - started < ms; i++) {
      const due = started + (i * 1000) / RATE;
      if (due > Date.now()) await sleep(due - Date.now());
      inFlight.push(
        (async () => {
          const res = await this.prepare(topic, false);
          await this.http.call('POST', `/v1/messages/${res.json.id!}/confirm`, this.apiKey);
          confirmed.push(res.json.id!);
        })(),
      );
    }
    await Promise.all(inFlight);
    await this.sink.drained(topic, confirmed.length);
    const [rows] = await db.query(
      `SELECT TIMESTAMPDIFF(MICROSECOND, confirmed_at, sent_at) / 1000 AS ms FROM messages
        WHERE topic = ? AND status = 1 ORDER BY ms`,
      [topic],
    );
    const latencies = (rows as { ms: string }[]).map((r) => Number(r.ms));
    return {
      offeredMsgsPerSec: rate(confirmed.length, ms),
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? null,
    };
  }
}
