import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../common/domain-errors';
import { SecretToken } from '../common/secret-token';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { bearerToken } from '../producers/producer-auth.guard';

/** `/metrics` is open unless METRICS_TOKEN is set; then `Authorization: Bearer <token>`. */
@Injectable()
export class MetricsAuthGuard implements CanActivate {
  private readonly expected?: SecretToken;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    if (config.metrics.token) this.expected = new SecretToken(config.metrics.token);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) return true;
    const token = bearerToken(context.switchToHttp().getRequest<FastifyRequest>());
    if (!token) throw new UnauthorizedError('Missing Authorization: Bearer <metrics token>');
    if (!this.expected.matches(token)) throw new UnauthorizedError('Invalid metrics token');
    return true;
  }
}
