import { LIMITS } from '@app/contracts';
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { RateLimitedError } from '../common/domain-errors';
import { TokenBuckets } from '../common/token-buckets';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Producer } from './producer';

/**
 * RATE_LIMIT_PER_SECOND messages per second per producer and instance (0 = off), with a burst of
 * one second's worth; a batch counts each of its messages. Beyond it: 429 RATE_LIMITED with
 * `Retry-After`. Runs after `ProducerAuthGuard`.
 */
@Injectable()
export class ProducerRateLimitGuard implements CanActivate {
  private readonly buckets?: TokenBuckets;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    if (config.rateLimitPerSecond > 0) this.buckets = new TokenBuckets(config.rateLimitPerSecond);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest & { producer?: Producer }>();
    this.take(request.producer?.id ?? '', request.body);
    return true;
  }

  /** Takes what a request's body counts from its producer's bucket; a 429 when it is empty. */
  take(producerId: string, body: unknown): void {
    if (!this.buckets) return;
    const messages = (body as { messages?: unknown } | null | undefined)?.messages;
    // A batch counts each message; one over the batch limit (validation refuses it) counts as
    // one request, so that an oversized body cannot put the producer in debt.
    const n =
      Array.isArray(messages) && messages.length <= LIMITS.batchMaxMessages
        ? Math.max(1, messages.length)
        : 1;
    const waitMs = this.buckets.take(producerId, n);
    if (waitMs === 0) return;
    throw new RateLimitedError(
      `over ${this.config.rateLimitPerSecond} messages per second; retry in ${waitMs} ms`,
      Math.max(1, Math.ceil(waitMs / 1000)),
    );
  }
}
