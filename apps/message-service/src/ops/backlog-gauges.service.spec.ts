import { automock } from '../../../../test/support/unit';
import { ReconciliationService } from '../consumers/reconciliation.service';
import { MetricsService } from '../metrics/metrics.service';
import { Readiness } from './readiness';
import { Backlog, MessageStats } from '../state/message-stats';
import {
  BACKLOG_CACHE_MS,
  BacklogGaugesService,
  CONSUMERS_CACHE_MS,
} from './backlog-gauges.service';

const backlog = (pending: number): Backlog => ({
  byStatus: { 0: pending },
  oldestPendingAgeMs: 1500,
  oldestConfirmedAgeMs: null,
  sentLastMinute: 0,
  blockedGroups: 2,
});

describe(BacklogGaugesService.name, () => {
  let stats: jest.Mocked<MessageStats>;
  let reconciliation: jest.Mocked<ReconciliationService>;
  let readiness: jest.Mocked<Readiness>;
  let sut: BacklogGaugesService;
  let now: number;

  beforeEach(() => {
    now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    stats = automock<MessageStats>('backlog');
    stats.backlog.mockResolvedValueOnce(backlog(7)).mockResolvedValueOnce(backlog(9));
    reconciliation = automock<ReconciliationService>('gauges');
    reconciliation.gauges.mockResolvedValue([
      {
        key: { consumerGroup: 'points', producerId: 'orders', topic: 'order-paid' },
        watermark: 41,
        missing: 2,
      },
    ]);
    readiness = automock<Readiness>('check');
    readiness.check.mockResolvedValue({
      ok: false,
      details: { mysql: { status: 'up' }, redis: { status: 'down' }, mq: { status: 'up' } },
    });
    sut = new BacklogGaugesService(new MetricsService(), stats, reconciliation, readiness);
  });

  afterEach(() => jest.restoreAllMocks());

  it('should read the backlog at most once per 5 s, whoever scrapes', async () => {
    const [a, b] = await Promise.all([sut.scrape(), sut.scrape()]);
    now += BACKLOG_CACHE_MS - 1;
    const c = await sut.scrape();
    expect(stats.backlog).toHaveBeenCalledTimes(1);
    for (const text of [a, b, c]) expect(text).toContain('rms_messages{status="PENDING"} 7');
    expect(c).toContain('rms_oldest_pending_age_seconds 1.5');
    expect(c).toContain('rms_blocked_groups 2');

    now += 1;
    expect(await sut.scrape()).toContain('rms_messages{status="PENDING"} 9');
    expect(stats.backlog).toHaveBeenCalledTimes(2);
  });

  it('should fill the consumer gauges from reconciliation at most once per 15 s', async () => {
    const text = await sut.scrape();
    expect(text).toContain(
      'rms_unconsumed_messages{group="points",producer="orders",topic="order-paid"} 2',
    );
    expect(text).toContain(
      'rms_consumer_watermark{group="points",producer="orders",topic="order-paid"} 41',
    );
    now += CONSUMERS_CACHE_MS - 1;
    await sut.scrape();
    expect(reconciliation.gauges).toHaveBeenCalledTimes(1);
    now += 1;
    await sut.scrape();
    expect(reconciliation.gauges).toHaveBeenCalledTimes(2);
  });

  it('should report readiness and each dependency, checked at most once per 5 s', async () => {
    const text = await sut.scrape();
    expect(text).toContain('rms_ready 0');
    expect(text).toContain('rms_dependency_up{dependency="mysql"} 1');
    expect(text).toContain('rms_dependency_up{dependency="redis"} 0');
    await sut.scrape();
    expect(readiness.check).toHaveBeenCalledTimes(1);
  });

  it('should not keep a failed read', async () => {
    stats.backlog.mockReset();
    stats.backlog.mockRejectedValueOnce(new Error('down')).mockResolvedValueOnce(backlog(3));
    await sut.scrape();
    expect(await sut.scrape()).toContain('rms_messages{status="PENDING"} 3');
  });

  it('should still answer, with MySQL reported down, when the backlog cannot be read', async () => {
    stats.backlog.mockReset();
    stats.backlog.mockRejectedValue(new Error('connect ECONNREFUSED'));
    readiness.check.mockResolvedValue({
      ok: false,
      details: { mysql: { status: 'down' }, redis: { status: 'up' }, mq: { status: 'up' } },
    });
    const text = await sut.scrape();
    expect(text).toContain('rms_ready 0');
    expect(text).toContain('rms_dependency_up{dependency="mysql"} 0');
    expect(text).toContain('rms_dependency_up{dependency="redis"} 1');
  });
});
