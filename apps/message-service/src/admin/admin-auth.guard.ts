import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../common/domain-errors';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { bearerToken } from '../producers/producer-auth.guard';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Operator authentication: `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time.
 * Producer API keys are never accepted here.
 */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.expected = digest(config.adminToken);
  }

  canActivate(context: ExecutionContext): boolean {
    const token = bearerToken(context.switchToHttp().getRequest<FastifyRequest>());
    if (!token) throw new UnauthorizedError('Missing Authorization: Bearer <admin token>');
    if (!timingSafeEqual(digest(token), this.expected))
      throw new UnauthorizedError('Invalid admin token');
    return true;
  }
}
