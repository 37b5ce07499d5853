import { ChildProcess } from 'node:child_process';
import { BACKLOG, BATCH_CONCURRENCY, BATCH_SIZE, closedLoop, cpuSeconds, rate } from './harness';
import { Scenarios } from './scenarios';
import { DeliverySink } from './sink';

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
  await s.sink.prepare(topic);
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
export async function drain(
  sink: DeliverySink,
  topic: string,
  servicePid: number,
  startedAt: number,
) {
  const cpuBefore = cpuSeconds(servicePid);
  const { first, last } = await sink.span(topic, BACKLOG, 300_000 - (Date.now() - startedAt));
  const cpu = cpuSeconds(servicePid) - cpuBefore;
  return {
    messages: BACKLOG,
    msgsPerSec: rate(BACKLOG, Math.max(1, last - first)),
    firstSentAfterStartMs: first - startedAt,
    cpuSecondsPer1000: Math.round((cpu / BACKLOG) * 1000 * 1000) / 1000,
  };
}

class Done extends Error {}
