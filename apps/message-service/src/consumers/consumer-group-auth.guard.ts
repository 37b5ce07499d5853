import { CanActivate, ExecutionContext, Injectable, createParamDecorator } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../common/domain-errors';
import { bearerToken } from '../producers/producer-auth.guard';
import { ConsumerGroup } from './consumer-group';
import { ConsumerGroupsService } from './consumer-groups.service';

type RequestWithGroup = FastifyRequest & { consumerGroup?: ConsumerGroup };

/** Authenticates `Authorization: Bearer <consumer group api key>` and attaches the group. */
@Injectable()
export class ConsumerGroupAuthGuard implements CanActivate {
  constructor(private readonly groups: ConsumerGroupsService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithGroup>();
    const token = bearerToken(request);
    if (!token) throw new UnauthorizedError('Missing Authorization: Bearer <consumer group key>');
    request.consumerGroup = await this.groups.authenticate(token);
    return true;
  }
}

/** The consumer group authenticated by `ConsumerGroupAuthGuard`. */
export const CurrentConsumerGroup = createParamDecorator(
  (_: unknown, context: ExecutionContext): ConsumerGroup => {
    const group = context.switchToHttp().getRequest<RequestWithGroup>().consumerGroup;
    if (!group) throw new UnauthorizedError('Not authenticated');
    return group;
  },
);
