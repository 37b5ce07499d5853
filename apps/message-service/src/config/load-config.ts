import { randomBytes } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import { AppConfig, MqDriverName, Role } from './app-config';
import { redisConnection } from './redis-connection';

type Env = Record<string, string | undefined>;

/** Raised when the environment holds values the service cannot run with. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  private raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  int(name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      this.problems.push(`${name} must be an integer between ${min} and ${max} (got "${value}")`);
      return fallback;
    }
    return Number(value);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(value)) {
      this.problems.push(`${name} must be one of ${allowed.join(', ')} (got "${value}")`);
      return fallback;
    }
    return value as T;
  }

  url(name: string, fallback: string, protocols: string[]): string {
    const value = this.raw(name) ?? fallback;
    try {
      const url = new URL(value);
      if (!protocols.includes(url.protocol)) {
        this.problems.push(`${name} must use ${protocols.join(' or ')} (got "${url.protocol}")`);
      }
    } catch {
      this.problems.push(`${name} is not a valid URL`);
    }
    return value;
  }

  /** A Redis URL that `redisConnection` can use: one server, or Redis Sentinel. */
  redisUrl(name: string, fallback: string): string {
    const value = this.raw(name) ?? fallback;
    try {
      redisConnection(value);
    } catch (error) {
      this.problems.push(
        `${name} ${(error as Error).message.replace(/^Invalid URL$/, 'is not a valid URL')}`,
      );
    }
    return value;
  }

  optionalUrl(name: string, protocols: string[]): string | undefined {
    return this.raw(name) === undefined ? undefined : this.url(name, '', protocols);
  }

  /** A comma-separated list of CIDRs (`169.254.0.0/16`, `fe80::/10`); empty for none. */
  cidrs(name: string, fallback: string): string[] {
    const value = this.env[name] ?? fallback;
    const list = value
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean);
    for (const cidr of list) {
      const [address, prefix] = cidr.split('/');
      const family = isIP(address);
      const bits = Number(prefix);
      if (!family || !/^\d+$/.test(prefix ?? '') || bits > (family === 4 ? 32 : 128)) {
        this.problems.push(`${name}: "${cidr}" is not a CIDR such as 169.254.0.0/16 or fe80::/10`);
      } else {
        new BlockList().addSubnet(address, bits, family === 4 ? 'ipv4' : 'ipv6');
      }
    }
    return list;
  }

  string(name: string, minLength = 0): string | undefined {
    const value = this.raw(name);
    if (value !== undefined && value.length < minLength) {
      this.problems.push(`${name} must be at least ${minLength} characters long`);
    }
    return value;
  }
}

/**
 * Reads and validates the environment once. Every problem is collected so that one start
 * reports all of them; a `ConfigError` names each offending variable.
 */
export function loadConfig(env: Env = process.env): AppConfig {
  const r = new Reader(env);
  const day = 24 * 3600 * 1000;

  const driver = r.oneOf<MqDriverName>('MQ_DRIVER', ['redis', 'rocketmq', 'rabbitmq'], 'redis');
  const endpoints = r.string('ROCKETMQ_ENDPOINTS');
  if (driver === 'rocketmq' && endpoints === undefined) {
    r.problems.push('ROCKETMQ_ENDPOINTS is required when MQ_DRIVER=rocketmq');
  }
  const adminToken = r.string('ADMIN_TOKEN', 16);
  const retryBaseMs = r.int('RETRY_BASE_MS', 10_000, 1, day);
  const retryMaxMs = r.int('RETRY_MAX_MS', 600_000, 1, day);
  if (retryMaxMs < retryBaseMs) r.problems.push('RETRY_MAX_MS must not be below RETRY_BASE_MS');

  const redisUrl = r.redisUrl('REDIS_URL', 'redis://127.0.0.1:6379');
  const queuePrefix = r.string('QUEUE_PREFIX') ?? 'rms-bull';
  if (!/^[A-Za-z0-9_:{}.-]{1,64}$/.test(queuePrefix)) {
    r.problems.push('QUEUE_PREFIX must be 1-64 of A-Z a-z 0-9 _ : { } . -');
  }
  const rabbitExchange = r.string('RABBITMQ_EXCHANGE') ?? 'rms';
  if (!/^[A-Za-z0-9_.:-]{1,127}$/.test(rabbitExchange) || rabbitExchange.startsWith('amq.')) {
    r.problems.push(
      'RABBITMQ_EXCHANGE must be 1-127 of A-Z a-z 0-9 _ . : - and not start with "amq."',
    );
  }
  const config: AppConfig = {
    port: r.int('PORT', 3000, 0, 65535),
    role: r.oneOf<Role>('ROLE', ['api', 'worker', 'all'], 'all'),
    databaseUrl: r.url('DATABASE_URL', 'mysql://root@127.0.0.1:3306/rms', ['mysql:', 'mariadb:']),
    redisUrl,
    queuePrefix,
    adminToken: adminToken ?? randomBytes(24).toString('base64url'),
    adminTokenGenerated: adminToken === undefined,
    maxBodyBytes: r.int('MAX_BODY_BYTES', 262_144, 1, 16 * 1024 * 1024 - 1),
    rateLimitPerSecond: r.int('RATE_LIMIT_PER_SECOND', 0, 0, 1_000_000),
    deliverAtMaxMs: r.int('DELIVER_AT_MAX_MS', 3_456_000_000, 0, 3650 * day),
    shutdownGraceMs: r.int('SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    reconcileGraceMs: r.int('RECONCILE_GRACE_MS', 60_000, 0, 30 * day),
    metrics: {
      token: r.string('METRICS_TOKEN', 16),
      maxTopics: r.int('METRICS_MAX_TOPICS', 200, 1, 100_000),
    },
    sweepIntervalMs: r.int('SWEEP_INTERVAL_MS', 5_000, 100, day),
    claimTimeoutMs: r.int('CLAIM_TIMEOUT_MS', 30_000, 1_000, day),
    mq: {
      driver,
      redisUrl: r.redisUrl('MQ_REDIS_URL', redisUrl),
      redisStreamMaxLen: r.int('REDIS_STREAM_MAXLEN', 1_000_000, 1, Number.MAX_SAFE_INTEGER),
      rocketmq: {
        endpoints,
        namespace: r.string('ROCKETMQ_NAMESPACE'),
        accessKey: r.string('ROCKETMQ_ACCESS_KEY'),
        secretKey: r.string('ROCKETMQ_SECRET_KEY'),
      },
      rabbitmq: {
        url: r.url('RABBITMQ_URL', 'amqp://guest:guest@127.0.0.1:5672', ['amqp:', 'amqps:']),
        exchange: rabbitExchange,
      },
    },
    checkBack: {
      delayMs: r.int('CHECK_BACK_DELAY_MS', 30_000, 0, day),
      giveUpMs: r.int('CHECK_BACK_GIVE_UP_MS', 900_000, 0, 30 * day),
      timeoutMs: r.int('CHECK_BACK_TIMEOUT_MS', 3_000, 1, 600_000),
      concurrency: r.int('CHECK_BACK_CONCURRENCY', 8, 1, 1_000),
      denyCidrs: r.cidrs('CHECK_BACK_DENY_CIDRS', '169.254.0.0/16,fe80::/10,0.0.0.0/8'),
    },
    retry: { baseMs: retryBaseMs, maxMs: retryMaxMs },
    delivery: { maxAttempts: r.int('DELIVERY_MAX_ATTEMPTS', 16, 1, 1_000) },
    alertWebhookUrl: r.optionalUrl('ALERT_WEBHOOK_URL', ['http:', 'https:']),
    retentionDays: r.int('RETENTION_DAYS', 7, 1, 3650),
    heapGrowingPercent: r.int('HEAP_GROWING_PERCENT', 50, 0, 300),
    logFormat: r.oneOf<'json' | 'pretty'>('LOG_FORMAT', ['json', 'pretty'], 'json'),
  };

  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}
