import { Queue } from 'bullmq';
import { AppConfig } from '../../apps/message-service/src/config/app-config';
import { redisConnection } from '../../apps/message-service/src/config/redis-connection';
import { DEFAULT_JOB_OPTIONS, JobName, QueueName } from '../../apps/message-service/src/queue/jobs';
import { JobWorkers } from '../../apps/message-service/src/sweeps/job-workers';
import { TEST_REDIS_URL, suiteQueuePrefix } from '../support/test-env';
import { sleep, waitFor } from '../support/wait';

/**
 * The sweep jobs of one worker instance on real BullMQ and Redis: each kind of sweep runs while
 * another is still running (a check-back sweep waiting on a business that does not answer must
 * not hold up retries and recovery), and never twice at once.
 */
describe('sweep jobs (integration, real BullMQ)', () => {
  let queue: Queue;
  let workers: JobWorkers;
  let releaseCheckBacks: () => void;
  const calls = { confirmed: 0, pending: 0, retention: 0 };

  beforeAll(async () => {
    const prefix = `${suiteQueuePrefix()}:${process.pid}`;
    queue = new Queue(QueueName.SWEEPS, { connection: redisConnection(TEST_REDIS_URL), prefix });
    await queue.obliterate({ force: true });
    const checkBacksDone = new Promise<void>((resolve) => (releaseCheckBacks = resolve));
    const count = (key: keyof typeof calls) => () => {
      calls[key]++;
      return Promise.resolve(0);
    };
    workers = new JobWorkers(
      { sweep: count('confirmed') } as never,
      { deliverIds: () => Promise.resolve(0) } as never,
      { ran: () => undefined } as never,
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
    await workers.beforeApplicationShutdown();
    await queue.obliterate({ force: true });
    await queue.close();
  });

  const add = (name: JobName) => queue.add(name, {}, DEFAULT_JOB_OPTIONS);

  it('should run the delivery sweep and retention while a check-back sweep is still running', async () => {
    await add(JobName.SWEEP_PENDING);
    await waitFor(() => calls.pending === 1, 'the check-back sweep to start');
    await add(JobName.SWEEP_CONFIRMED);
    await add(JobName.RETENTION);
    await waitFor(() => calls.confirmed === 1, 'the delivery sweep', 5_000);
    await waitFor(() => calls.retention === 1, 'the retention job', 5_000);
  });

  it('should not start a second check-back sweep while one runs, and run the next after it', async () => {
    await add(JobName.SWEEP_PENDING);
    await waitFor(
      async () => (await queue.getJobCounts('waiting', 'active')).waiting === 0,
      'the job to be taken',
    );
    await sleep(200);
    expect(calls.pending).toBe(1);
    releaseCheckBacks();
    await waitFor(
      async () => (await queue.getJobCounts('active')).active === 0,
      'the running sweep to end',
    );
    await add(JobName.SWEEP_PENDING);
    await waitFor(() => calls.pending === 2, 'the next check-back sweep');
  });
});
