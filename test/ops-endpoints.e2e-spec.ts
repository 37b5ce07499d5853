import { RedisServer } from './support/redis-server';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor } from './support/wait';

describe('Ops endpoints: readiness and docs (e2e, a Redis of its own)', () => {
  let redis: RedisServer;
  let t: TestApp;

  beforeAll(async () => {
    redis = new RedisServer();
    await redis.start();
    t = await startTestApp({
      REDIS_URL: redis.url,
      MQ_REDIS_URL: redis.url,
      METRICS_TOKEN: 'metrics-token-0123456789',
    });
  });

  afterAll(async () => {
    await t.close();
    await redis.stop();
  });

  const ready = async () => {
    const started = Date.now();
    const res = await fetch(`${t.baseUrl}/health/ready`);
    return {
      status: res.status,
      body: (await res.json()) as Record<string, Record<string, { status: string }>>,
      ms: Date.now() - started,
    };
  };

  it('should answer 503 within 2 s while Redis is down and 200 again once it is back', async () => {
    expect((await ready()).status).toBe(200);
    expect((await fetch(`${t.baseUrl}/health/live`)).status).toBe(200);

    await redis.stop();
    const down = await ready();
    expect(down.status).toBe(503);
    expect(down.ms).toBeLessThan(2000);
    expect(down.body.error.redis.status).toBe('down');
    expect(down.body.info.mysql.status).toBe('up');

    await redis.start();
    await waitFor(
      async () => (await ready()).status === 200,
      'readiness to come back',
      15_000,
      250,
    );
  });

  it('should serve the OpenAPI document and its UI', async () => {
    const doc = (await fetch(`${t.baseUrl}/docs/openapi.json`).then((r) => r.json())) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/messages', '/v1/admin/stats', '/health/ready']),
    );
    const ui = await fetch(`${t.baseUrl}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });

  it('should serve /metrics only with METRICS_TOKEN when it is set', async () => {
    const scrape = (token?: string) =>
      fetch(`${t.baseUrl}/metrics`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
    expect((await scrape()).status).toBe(401);
    expect((await scrape('wrong-token-0123456789')).status).toBe(401);
    const ok = await scrape('metrics-token-0123456789');
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('rms_messages{status="PENDING"}');
  });
});
