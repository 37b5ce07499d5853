import { automock } from '../../../../test/support/unit';
import { MetricsService } from '../metrics/metrics.service';
import { Backlog, MessageStats } from '../state/message-stats';
import { BACKLOG_CACHE_MS, BacklogGaugesService } from './backlog-gauges.service';

const backlog = (pending: number): Backlog => ({
  byStatus: { 0: pending },
  oldestPendingAgeMs: 1500,
  oldestConfirmedAgeMs: null,
  sentLastMinute: 0,
});

describe(BacklogGaugesService.name, () => {
  let stats: jest.Mocked<MessageStats>;
  let sut: BacklogGaugesService;
  let now: number;

  beforeEach(() => {
    now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    stats = automock<MessageStats>('backlog');
    stats.backlog.mockResolvedValueOnce(backlog(7)).mockResolvedValueOnce(backlog(9));
    sut = new BacklogGaugesService(new MetricsService(), stats);
  });

  afterEach(() => jest.restoreAllMocks());

  it('should read the backlog at most once per 5 s, whoever scrapes', async () => {
    const [a, b] = await Promise.all([sut.scrape(), sut.scrape()]);
    now += BACKLOG_CACHE_MS - 1;
    const c = await sut.scrape();
    expect(stats.backlog).toHaveBeenCalledTimes(1);
    for (const text of [a, b, c]) expect(text).toContain('rms_messages{status="PENDING"} 7');
    expect(c).toContain('rms_oldest_pending_age_seconds 1.5');

    now += 1;
    expect(await sut.scrape()).toContain('rms_messages{status="PENDING"} 9');
    expect(stats.backlog).toHaveBeenCalledTimes(2);
  });

  it('should not keep a failed read', async () => {
    stats.backlog.mockReset();
    stats.backlog.mockRejectedValueOnce(new Error('down')).mockResolvedValueOnce(backlog(3));
    await expect(sut.scrape()).rejects.toThrow('down');
    expect(await sut.scrape()).toContain('rms_messages{status="PENDING"} 3');
  });
});
