import { ChildProcess } from 'node:child_process';
import Redis from 'ioredis';
import {
  BACKLOG,
  BATCH_CONCURRENCY,
  BATCH_SIZE,
  closedLoop,
  cpuSeconds,
  rate,
  sleep,
} from './harness';
import { Scenarios } from './scenarios';

/** Stops a service process gracefully and waits until it exited. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/**
 * Piles up BACKLOG CONFIRMED messages that nobody delivers: posted in batches to an API-only
 * instance (`s` talks to it) while no worker runs, as after an outage of the MQ or of the
 * workers. Returns when they are all stored.
 */
export async function pileUp(s: Scenarios, topic: string): Promise<void> {
  let sent = 0;
  await closedLoop(BATCH_CONCURRENCY, Number.MAX_SAFE_INTEGER, async () => {
    if (sent >= BACKLOG) throw new Done();
    sent += BATCH_SIZE;
    await s.batch(topic);
  }).catch((e: unknown) => {
    if (!(e instanceof Done)) throw e;
  });
}

/**
 * The backlog drain: how fast a worker that starts (`servicePid`, just started) sends a pile of
 * due CONFIRMED messages to the MQ, from the backlog's first stream entry to its last.
 */
export async function drain(streams: Redis, topic: string, servicePid: number, startedAt: number) {
  const cpuBefore = cpuSeconds(servicePid);
  while ((await streams.xlen(`rms:${topic}`)) < BACKLOG) {
    if (Date.now() - startedAt > 300_000) throw new Error('the backlog did not drain in 5 min');
    await sleep(50);
  }
  const cpu = cpuSeconds(servicePid) - cpuBefore;
  const [[firstId]] = await streams.xrange(`rms:${topic}`, '-', '+', 'COUNT', 1);
  const [[lastId]] = await streams.xrevrange(`rms:${topic}`, '+', '-', 'COUNT', 1);
  const first = Number(firstId.split('-')[0]);
  const last = Number(lastId.split('-')[0]);
  return {
    messages: BACKLOG,
    msgsPerSec: rate(BACKLOG, Math.max(1, last - first)),
    firstSentAfterStartMs: first - startedAt,
    cpuSecondsPer1000: Math.round((cpu / BACKLOG) * 1000 * 1000) / 1000,
  };
}

class Done extends Error {}
