import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { Readiness } from './readiness';

@ApiTags('ops')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly readiness: Readiness,
  ) {}

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
    const { ok, details } = await this.readiness.check();
    const up = (key: string) => details[key]?.status === 'up';
    const pick = (keep: (key: string) => boolean) =>
      Object.fromEntries(Object.entries(details).filter(([key]) => keep(key)));
    if (!ok) void reply.status(503);
    return {
      status: ok ? 'ok' : 'error',
      info: pick(up),
      error: pick((key) => !up(key)),
      details,
    };
  }
}
