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

  it('should count the changes of a commit and the sends of a batch by label, one increment each', async () => {
    const sut = new MetricsService(unitConfig());
    const inc = jest.spyOn(sut.transitions, 'inc');
    sut.transitionsOf([
      { to: 'SENT', producerId: 'orders', topic: 'a' },
      { to: 'SENT', producerId: 'orders', topic: 'a' },
      { to: 'SENT', producerId: 'orders', topic: 'b' },
      { to: 'FAILED', producerId: 'orders', topic: 'a' },
      { to: 'SENT', producerId: 'orders', topic: 'a' },
    ]);
    sut.sendsOf([
      { topic: 'a', outcome: 'sent' },
      { topic: 'a', outcome: 'retry' },
      { topic: 'a', outcome: 'sent' },
    ]);
    expect(inc).toHaveBeenCalledTimes(3);
    const values = async (name: string) =>
      (await sut.registry.getSingleMetric(name)!.get()).values.map((v) => [v.labels, v.value]);
    expect(await values('rms_transitions_total')).toEqual(
      expect.arrayContaining([
        [{ status: 'SENT', producer: 'orders', topic: 'a' }, 3],
        [{ status: 'SENT', producer: 'orders', topic: 'b' }, 1],
        [{ status: 'FAILED', producer: 'orders', topic: 'a' }, 1],
      ]),
    );
    expect(await values('rms_sends_total')).toEqual(
      expect.arrayContaining([
        [{ topic: 'a', outcome: 'sent' }, 2],
        [{ topic: 'a', outcome: 'retry' }, 1],
      ]),
    );
  });
});
