import { MqDriver, withTimeout } from '@app/mq';
import { Inject, Injectable } from '@nestjs/common';
import {
  HealthIndicatorResult,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import type Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MQ_DRIVER } from '../mq/mq.module';
import { RedisClients } from '../redis/redis-clients';

/** Each dependency gets this long to answer, so readiness answers within about a second. */
const CHECK_TIMEOUT_MS = 1000;

/** The dependencies an instance may need. */
export const DEPENDENCIES = ['mysql', 'redis', 'mq'] as const;

export interface ReadinessResult {
  /** Every dependency this instance's role needs answered. */
  ok: boolean;
  details: HealthIndicatorResult;
}

/**
 * Whether the instance can do its work: a real round trip to each dependency (MySQL, Redis, the
 * MQ), each within about a second. MySQL is needed by every role; Redis and the MQ by instances
 * that run workers.
 */
@Injectable()
export class Readiness {
  /** A connection of its own that fails at once while Redis is down, instead of queueing. */
  private readonly redis: Redis;
  readonly required: readonly string[];

  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly db: TypeOrmHealthIndicator,
    @Inject(MQ_DRIVER) private readonly mq: MqDriver,
    @Inject(APP_CONFIG) config: AppConfig,
    redis: RedisClients,
  ) {
    this.required = config.role === 'api' ? ['mysql'] : DEPENDENCIES;
    this.redis = redis.create(config.redisUrl, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: CHECK_TIMEOUT_MS,
    });
    this.redis.on('error', () => undefined);
  }

  async check(): Promise<ReadinessResult> {
    const results = await Promise.all([
      this.db
        .pingCheck('mysql', { timeout: CHECK_TIMEOUT_MS })
        .catch((e: unknown) =>
          this.indicators.check('mysql').down({ message: (e as Error).message }),
        ),
      this.probe('redis', () => this.pingRedis()),
      this.probe('mq', () => this.mq.ping(), { driver: this.mq.name }),
    ]);
    const details: HealthIndicatorResult = Object.assign({}, ...results);
    return { ok: this.required.every((key) => details[key]?.status === 'up'), details };
  }

  private async pingRedis(): Promise<boolean> {
    if (this.redis.status === 'wait' || this.redis.status === 'end')
      await this.redis.connect().catch(() => undefined);
    return (await this.redis.ping()) === 'PONG';
  }

  private async probe<const K extends string>(
    key: K,
    ping: () => Promise<boolean>,
    data: Record<string, unknown> = {},
  ) {
    const indicator = this.indicators.check(key);
    try {
      const ok = await withTimeout(
        ping(),
        CHECK_TIMEOUT_MS,
        `no answer within ${CHECK_TIMEOUT_MS} ms`,
      );
      return ok ? indicator.up(data) : indicator.down({ ...data, message: 'not reachable' });
    } catch (error) {
      return indicator.down({ ...data, message: (error as Error).message });
    }
  }
}
