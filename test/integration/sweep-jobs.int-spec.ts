import { Queue } from 'bullmq';
import { AppConfig } from '../../apps/message-service/src/config/app-config';
import { redisConnection } from '../../apps/message-service/src/config/redis-connection';
import { JobQueue } from '../../apps/message-service/src/queue/job-queue';
import {
  DEFAULT_JOB_OPTIONS,
  JobName,
  QueueName,
  SCHEDULED_IN,
  ScheduledJob,
} from '../../apps/message-service/src/queue/jobs';
import { JobWorkers } from '../../apps/message-service/src/sweeps/job-workers';
import { TEST_REDIS_URL, suiteQueuePrefix } from '../support/test-env';
import { sleep, waitFor } from '../support/wait';

/**
 * The scheduled jobs of one worker instance on real BullMQ and Redis: each kind of sweep runs
 * while another is still running (a check-back sweep waiting on a business that does not answer
 * must not hold up retries and recovery), and never twice at once on an instance.
 */
describe('sweep jobs (integration, real BullMQ)', () => {
  const prefix = `${suiteQueuePrefix()}:${process.pid}`;
  const queues = new Map<QueueName, Queue>();
  let workers: JobWorkers | undefined;
  let jobQueue: JobQueue;
  let releaseCheckBacks = () => {};
  const calls = { confirmed: 0, pending: 0, retention: 0 };

  const queue = (name: QueueName) => queues.get(name)!;
  const add = (name: ScheduledJob) => queue(SCHEDULED_IN[name]).add(name, {}, DEFAULT_JOB_OPTIONS);

  beforeAll(async () => {
    for (const name of Object.values(QueueName)) {
      const q = new Queue(name, { connection: redisConnection(TEST_REDIS_URL), prefix });
      await q.obliterate({ force: true });
      queues.set(name, q);
    }
    jobQueue = new JobQueue(
      queue(QueueName.DELIVERY),
      queue(QueueName.SWEEPS),
      queue(QueueName.CHECK_BACKS),
      queue(QueueName.MAINTENANCE),
    );
    const checkBacksDone = new Promise<void>((resolve) => (releaseCheckBacks = resolve));
    const count = (key: keyof typeof calls) => () => {
      calls[key]++;
      return Promise.resolve(0);
    };
    workers = new JobWorkers(
      { sweep: count('confirmed') } as never,
      { deliverIds: () => Promise.resolve(0) } as never,
      { ran: () => undefined } as never,
      jobQueue,
      {
        // A check-back sweep that waits on a business that does not answer.
        sweep: async () => {
          calls.pending++;
          await checkBacksDone;
          return 0;
        },
      } as never,
      { purge: count('retention') } as never,
      { checkUnconsumed: () => Promise.resolve(0) } as never,
      {
        role: 'worker',
        redisUrl: TEST_REDIS_URL,
        queuePrefix: prefix,
        shutdownGraceMs: 5_000,
      } as AppConfig,
    );
    workers.onApplicationBootstrap();
  });

  afterAll(async () => {
    releaseCheckBacks();
    await workers?.beforeApplicationShutdown();
    for (const q of queues.values()) {
      await q.obliterate({ force: true });
      await q.close();
    }
  });

  it('should run the delivery sweep and retention while a check-back sweep is still running', async () => {
    await add(JobName.SWEEP_PENDING);
    await waitFor(() => calls.pending === 1, 'the check-back sweep to start');
    await add(JobName.SWEEP_CONFIRMED);
    await add(JobName.RETENTION);
    await waitFor(() => calls.confirmed === 1, 'the delivery sweep', 5_000);
    await waitFor(() => calls.retention === 1, 'the retention job', 5_000);
  });

  it('should start the next check-back sweep only once the running one ended', async () => {
    expect(calls.pending).toBe(1); // the first test's, still waiting on the business
    await add(JobName.SWEEP_PENDING);
    await sleep(300);
    expect(calls.pending).toBe(1);
    expect((await queue(QueueName.CHECK_BACKS).getJobCounts('waiting')).waiting).toBe(1);
    releaseCheckBacks();
    await waitFor(() => calls.pending === 2, 'the next check-back sweep');
  });

  // BullMQ reads the schedulers' list, then each scheduler: one removed in between (by the worker
  // under test) reads as undefined.
  const schedulers = async (name: QueueName) =>
    (await queue(name).getJobSchedulers()).filter((s) => s !== undefined).map((s) => s.key);
  /** A scheduler of the check-back sweep in the sweeps' queue, as an earlier version made it. */
  const legacyScheduler = () =>
    queue(QueueName.SWEEPS).upsertJobScheduler(
      JobName.SWEEP_PENDING,
      { every: 60_000 },
      { name: JobName.SWEEP_PENDING, data: {}, opts: DEFAULT_JOB_OPTIONS },
    );

  it('should move a scheduler left in the sweeps queue to its own queue', async () => {
    await legacyScheduler();
    await jobQueue.every(JobName.SWEEP_PENDING, 60_000);
    expect(await schedulers(QueueName.SWEEPS)).toEqual([]);
    expect(await schedulers(QueueName.CHECK_BACKS)).toEqual([JobName.SWEEP_PENDING]);
  });

  it('should not run a job made in the wrong queue, and remove the scheduler that made it', async () => {
    const before = calls.pending;
    // An instance of an earlier version registering its schedulers again during an upgrade.
    await legacyScheduler();
    await queue(QueueName.SWEEPS).add(JobName.SWEEP_PENDING, {}, DEFAULT_JOB_OPTIONS);
    await waitFor(
      async () => (await schedulers(QueueName.SWEEPS)).length === 0,
      'the scheduler in the wrong queue to go',
    );
    await waitFor(async () => {
      const counts = await queue(QueueName.SWEEPS).getJobCounts('waiting', 'active', 'delayed');
      return counts.waiting + counts.active + counts.delayed === 0;
    }, 'the jobs in the wrong queue to be taken');
    expect(calls.pending).toBe(before);
    expect(await schedulers(QueueName.CHECK_BACKS)).toEqual([JobName.SWEEP_PENDING]);
  });
});
