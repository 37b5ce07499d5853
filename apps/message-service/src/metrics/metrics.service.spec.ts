import { unitConfig } from '../../../../test/support/unit';
import { MetricsService, OTHER_TOPICS } from './metrics.service';

describe(MetricsService.name, () => {
  it('should label at most METRICS_MAX_TOPICS topics and count the rest as _other', async () => {
    const sut = new MetricsService(unitConfig({ METRICS_MAX_TOPICS: '3' }));
    for (let i = 0; i < 50; i++) {
      sut.transition('SENT', 'orders', `topic-${i}`);
      sut.send(`topic-${i}`, 'sent');
    }
    sut.transition('SENT', 'orders', 'topic-1');
    const labels = async (name: string) =>
      (await sut.registry.getSingleMetric(name)!.get()).values.map((v) => v.labels.topic);
    expect(new Set(await labels('rms_transitions_total'))).toEqual(
      new Set(['topic-0', 'topic-1', 'topic-2', OTHER_TOPICS]),
    );
    expect(new Set(await labels('rms_sends_total'))).toEqual(
      new Set(['topic-0', 'topic-1', 'topic-2', OTHER_TOPICS]),
    );
    const other = (await sut.registry.getSingleMetric('rms_transitions_total')!.get()).values.find(
      (v) => v.labels.topic === OTHER_TOPICS,
    );
    expect(other!.value).toBe(47);
  });
});
