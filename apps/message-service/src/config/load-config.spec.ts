import { ConfigError, loadConfig } from './load-config';

describe(loadConfig.name, () => {
  it('should apply the documented defaults', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBe('mysql://root@127.0.0.1:3306/rms');
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.mq.driver).toBe('redis');
    expect(config.role).toBe('all');
    expect(config.claimTimeoutMs).toBe(30_000);
    expect(config.checkBack).toEqual({
      delayMs: 30_000,
      giveUpMs: 900_000,
      timeoutMs: 3_000,
      concurrency: 8,
      denyCidrs: ['169.254.0.0/16', 'fe80::/10', '0.0.0.0/8'],
    });
    expect(config.rateLimitPerSecond).toBe(0);
    expect(config.deliverAtMaxMs).toBe(3_456_000_000);
    expect(config.shutdownGraceMs).toBe(10_000);
    expect(config.metrics).toEqual({ token: undefined, maxTopics: 200 });
    expect(config.mq.redisStreamMaxLen).toBe(1_000_000);
    expect(config.queuePrefix).toBe('rms-bull');
    expect(config.retry).toEqual({ baseMs: 10_000, maxMs: 600_000 });
    expect(config.delivery.maxAttempts).toBe(16);
    expect(config.sweepIntervalMs).toBe(5_000);
    expect(config.maxBodyBytes).toBe(262_144);
    expect(config.retentionDays).toBe(7);
    expect(config.logFormat).toBe('json');
    expect(config.heapGrowingPercent).toBe(50);
  });

  it('should take Redis as one server or through Redis Sentinel, and refuse other URLs', () => {
    const sentinel = 'redis+sentinel://s1:26379,s2:26379/rms-master';
    expect(loadConfig({ REDIS_URL: sentinel }).mq.redisUrl).toBe(sentinel);
    expect(() => loadConfig({ REDIS_URL: 'http://cache:6379' })).toThrow(/REDIS_URL must use/);
    expect(() => loadConfig({ MQ_REDIS_URL: 'redis+sentinel://s1' })).toThrow(
      /MQ_REDIS_URL must look like redis\+sentinel:/,
    );
    expect(() => loadConfig({ REDIS_URL: 'not a url' })).toThrow(/REDIS_URL is not a valid URL/);
  });

  it('should generate an admin token when ADMIN_TOKEN is unset', () => {
    const config = loadConfig({});
    expect(config.adminTokenGenerated).toBe(true);
    expect(config.adminToken.length).toBeGreaterThanOrEqual(32);
    expect(loadConfig({ ADMIN_TOKEN: 'x'.repeat(20) }).adminTokenGenerated).toBe(false);
  });

  it('should name every bad variable in one error', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'abc', MQ_DRIVER: 'kafka', DATABASE_URL: 'postgres://x', ROLE: 'boss' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('PORT');
    expect(problems).toContain('MQ_DRIVER');
    expect(problems).toContain('DATABASE_URL');
    expect(problems).toContain('ROLE');
  });

  it("should bound HEAP_GROWING_PERCENT and let 0 keep V8's own factor", () => {
    expect(loadConfig({ HEAP_GROWING_PERCENT: '0' }).heapGrowingPercent).toBe(0);
    expect(() => loadConfig({ HEAP_GROWING_PERCENT: '301' })).toThrow(/HEAP_GROWING_PERCENT/);
    expect(() => loadConfig({ HEAP_GROWING_PERCENT: '-5' })).toThrow(/HEAP_GROWING_PERCENT/);
  });

  it('should require ROCKETMQ_ENDPOINTS for the rocketmq driver', () => {
    expect(() => loadConfig({ MQ_DRIVER: 'rocketmq' })).toThrow(/ROCKETMQ_ENDPOINTS/);
    expect(
      loadConfig({ MQ_DRIVER: 'rocketmq', ROCKETMQ_ENDPOINTS: '127.0.0.1:8081' }).mq.driver,
    ).toBe('rocketmq');
  });

  it('should refuse RETRY_MAX_MS below RETRY_BASE_MS', () => {
    expect(() => loadConfig({ RETRY_BASE_MS: '5000', RETRY_MAX_MS: '1000' })).toThrow(
      /RETRY_MAX_MS/,
    );
  });

  it('should read CHECK_BACK_DENY_CIDRS and name a bad entry', () => {
    expect(
      loadConfig({ CHECK_BACK_DENY_CIDRS: '127.0.0.2/32, ::1/128' }).checkBack.denyCidrs,
    ).toEqual(['127.0.0.2/32', '::1/128']);
    expect(loadConfig({ CHECK_BACK_DENY_CIDRS: '' }).checkBack.denyCidrs).toEqual([]);
    for (const bad of ['10.0.0.0', '10.0.0.0/33', 'fe80::/129', 'example.com/8']) {
      expect(() => loadConfig({ CHECK_BACK_DENY_CIDRS: bad })).toThrow(/CHECK_BACK_DENY_CIDRS/);
    }
  });
});
