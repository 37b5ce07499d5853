import { MqDriver, withTimeout } from '@app/mq';
import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
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

@ApiTags('ops')
@Controller('health')
export class HealthController {
  /** A connection of its own that fails at once while Redis is down, instead of queueing. */
  private readonly redis: Redis;
  private readonly role: AppConfig['role'];

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly db: TypeOrmHealthIndicator,
    @Inject(MQ_DRIVER) private readonly mq: MqDriver,
    @Inject(APP_CONFIG) config: AppConfig,
    redis: RedisClients,
  ) {
    this.role = config.role;
    this.redis = redis.create(config.redisUrl, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: CHECK_TIMEOUT_MS,
    });
    this.redis.on('error', () => undefined);
  }

  /** The process is up. */
  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /**
   * Ready when what this instance's role needs answers: MySQL for every role, and Redis and the MQ
   * too for instances that run workers (an API-only instance takes prepares and confirms without
   * them; the workers deliver once they are back). Every dependency is reported, each within
   * about a second; 503 with the same body when a required one is down.
   */
  @Get('ready')
  @HealthCheck()
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    const required = this.role === 'api' ? ['mysql'] : ['mysql', 'redis', 'mq'];
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
    const up = (key: string) => details[key]?.status === 'up';
    const pick = (keep: (key: string) => boolean) =>
      Object.fromEntries(Object.entries(details).filter(([key]) => keep(key)));
    const ok = required.every(up);
    if (!ok) void reply.status(503);
    return {
      status: ok ? 'ok' : 'error',
      info: pick(up),
      error: pick((key) => !up(key)),
      details,
    };
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
