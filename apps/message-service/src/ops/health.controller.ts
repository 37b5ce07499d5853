import { MqDriver, withTimeout } from '@app/mq';
import { Controller, Get, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
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

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly db: TypeOrmHealthIndicator,
    @Inject(MQ_DRIVER) private readonly mq: MqDriver,
    @Inject(APP_CONFIG) config: AppConfig,
    redis: RedisClients,
  ) {
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

  /** MySQL, Redis and the MQ answer; 503 with the same body, naming the one that does not. */
  @Get('ready')
  @HealthCheck()
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () => this.db.pingCheck('mysql', { timeout: CHECK_TIMEOUT_MS }),
        () => this.probe('redis', () => this.pingRedis()),
        () => this.probe('mq', () => this.mq.ping(), { driver: this.mq.name }),
      ]);
    } catch (error) {
      // Terminus reports "not ready" as a 503 exception; answer its body, not a generic error.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      void reply.status(503);
      return error.getResponse() as HealthCheckResult;
    }
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
