import { CanActivate, ExecutionContext, Injectable, createParamDecorator } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../common/domain-errors';
import { Producer } from './producer';
import { ProducersService } from './producers.service';

type RequestWithProducer = FastifyRequest & { producer?: Producer };

/** The bearer token of a request, or undefined. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** Authenticates `Authorization: Bearer <producer api key>` and attaches the producer. */
@Injectable()
export class ProducerAuthGuard implements CanActivate {
  constructor(private readonly producers: ProducersService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    await this.authenticate(context.switchToHttp().getRequest<RequestWithProducer>());
    return true;
  }

  /** The producer whose key the request bears (attached to the request too); else a 401. */
  async authenticate(request: RequestWithProducer): Promise<Producer> {
    const token = bearerToken(request);
    if (!token) throw new UnauthorizedError('Missing Authorization: Bearer <api key>');
    request.producer = await this.producers.authenticate(token);
    return request.producer;
  }
}

/** The producer authenticated by `ProducerAuthGuard`. */
export const CurrentProducer = createParamDecorator(
  (_: unknown, context: ExecutionContext): Producer => {
    const producer = context.switchToHttp().getRequest<RequestWithProducer>().producer;
    if (!producer) throw new UnauthorizedError('Not authenticated');
    return producer;
  },
);
