import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RedisServer } from './support/redis-server';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor } from './support/wait';

const DOCKER = join(__dirname, '..', 'docker');

/** Every `rms_*` metric name in a file, histogram series folded into their metric. */
const metricsNamedIn = (file: string): string[] => [
  ...new Set(
    [...readFileSync(file, 'utf8').matchAll(/\brms_[a-z0-9_]+/g)].map((m) =>
      m[0].replace(/_(bucket|sum|count)$/, ''),
    ),
  ),
];

describe('Monitoring as code: the dashboard and the alert rules against a running service (e2e)', () => {
  let redis: RedisServer;
  let t: TestApp;
  const token = 'metrics-token-monitoring-0123';

  beforeAll(async () => {
    redis = new RedisServer();
    await redis.start();
    t = await startTestApp({ REDIS_URL: redis.url, MQ_REDIS_URL: redis.url, METRICS_TOKEN: token });
  });

  afterAll(async () => {
    await t.close();
    await redis.stop();
  });

  const scrape = async (): Promise<string> => {
    const res = await fetch(`${t.baseUrl}/metrics`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    return res.text();
  };

  it('should export every metric the dashboard and the alert rules name', async () => {
    const exported = new Set([...(await scrape()).matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    const files = [
      join(DOCKER, 'prometheus', 'rules.yml'),
      ...readdirSync(join(DOCKER, 'grafana', 'dashboards')).map((f) =>
        join(DOCKER, 'grafana', 'dashboards', f),
      ),
    ];
    for (const file of files) {
      const named = metricsNamedIn(file);
      expect({ file, count: named.length > 3 }).toEqual({ file, count: true });
      expect({ file, missing: named.filter((name) => !exported.has(name)) }).toEqual({
        file,
        missing: [],
      });
    }
  });

  it('should report readiness and each dependency as gauges, and follow Redis going down', async () => {
    const value = (text: string, series: string) =>
      Number(text.match(new RegExp(`^${series.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm'))?.[1]);
    const up = await scrape();
    expect(value(up, 'rms_ready')).toBe(1);
    expect(value(up, 'rms_dependency_up{dependency="redis"}')).toBe(1);
    expect(value(up, 'rms_dependency_up{dependency="mysql"}')).toBe(1);

    await redis.stop();
    try {
      // The readiness gauges are read at most every 5 s.
      await waitFor(
        async () => value(await scrape(), 'rms_dependency_up{dependency="redis"}') === 0,
        'rms_dependency_up{dependency="redis"} 0',
        15_000,
        500,
      );
      const down = await scrape();
      expect(value(down, 'rms_ready')).toBe(0);
      expect(value(down, 'rms_dependency_up{dependency="mysql"}')).toBe(1);
    } finally {
      await redis.start();
    }
  }, 40_000);
});
