import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../common/domain-errors';
import { SecretToken } from '../common/secret-token';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { bearerToken } from '../producers/producer-auth.guard';

/**
 * Operator authentication: `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time.
 * Producer API keys are never accepted here.
 */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  private readonly expected: SecretToken;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.expected = new SecretToken(config.adminToken);
  }

  canActivate(context: ExecutionContext): boolean {
    const token = bearerToken(context.switchToHttp().getRequest<FastifyRequest>());
    if (!token) throw new UnauthorizedError('Missing Authorization: Bearer <admin token>');
    if (!this.expected.matches(token)) throw new UnauthorizedError('Invalid admin token');
    return true;
  }
}
