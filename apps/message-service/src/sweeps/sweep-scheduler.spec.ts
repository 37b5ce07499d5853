import { automock, unitConfig } from '../../../../test/support/unit';
import { JobQueue } from '../queue/job-queue';
import { JobName } from '../queue/jobs';
import { SweepScheduler } from './sweep-scheduler';

describe(SweepScheduler.name, () => {
  let queue: jest.Mocked<JobQueue>;
  let sut: SweepScheduler;
  /** How many times the schedulers were registered. */
  const registrations = () =>
    queue.every.mock.calls.filter(([name]) => name === JobName.SWEEP_CONFIRMED).length;

  beforeEach(async () => {
    jest.useFakeTimers();
    queue = automock<JobQueue>('every');
    queue.every.mockResolvedValue();
    sut = new SweepScheduler(queue, unitConfig({ SWEEP_INTERVAL_MS: '1000' }));
    sut.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(0);
  });

  afterEach(() => {
    sut.onApplicationShutdown();
    jest.useRealTimers();
  });

  it('should register the schedulers again when the sweeps stopped running', async () => {
    expect(registrations()).toBe(1);
    await jest.advanceTimersByTimeAsync(6_000);
    expect(registrations()).toBe(2);
  });

  it('should not take a long sweep that is still running for a stopped one', async () => {
    sut.ran(JobName.SWEEP_PENDING); // started, and runs for a minute
    for (let s = 0; s < 60; s++) {
      sut.ran(JobName.SWEEP_CONFIRMED);
      sut.ran(JobName.SWEEP_CONFIRMED, true);
      await jest.advanceTimersByTimeAsync(1_000);
    }
    expect(registrations()).toBe(1);
    sut.ran(JobName.SWEEP_PENDING, true); // ended; none follows
    await jest.advanceTimersByTimeAsync(6_000);
    expect(registrations()).toBe(2);
  });
});
