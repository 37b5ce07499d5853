import { Logger, PipeTransform } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { MessageIdPipe } from '../common/id-param.pipe';
import { sendError } from '../common/http-exception.filter';
import { ProducerAuthGuard } from '../producers/producer-auth.guard';
import { ProducerRateLimitGuard } from '../producers/producer-rate-limit.guard';
import { PrepareBatchDto } from './dto/prepare-batch.dto';
import { PrepareMessageDto } from './dto/prepare-message.dto';
import { toBatchResponse, toMessageView } from './message-view';
import { MessagesService } from './messages.service';

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/**
 * The producer API's hot routes (prepare, batch prepare, confirm) answered by plain Fastify
 * handlers instead of Nest's router. Each does what `MessagesController`'s route does, in the
 * same order and with the same parts: the producer's key (`ProducerAuthGuard`), its rate limit
 * (`ProducerRateLimitGuard`), the body through the global validation pipe, the id through
 * `MessageIdPipe`, one `MessagesService` call, the same view, and every error answered by
 * `sendError` as the global filter answers it. What it leaves out is Nest's per-request
 * machinery (execution context, guard and pipe resolution, parameter decorators, response
 * controller): a tenth of the service's main-thread CPU per message under load, and the main
 * thread bounds the throughput. The routes are still declared by `MessagesController` (and
 * described by the OpenAPI document from it); only their handlers are swapped as Nest registers
 * them.
 *
 * Call before the application is initialised (Nest registers its routes in `init`); the
 * server's start fails if any of the three was not swapped.
 */
export function answerHotRoutesDirectly(
  app: NestFastifyApplication,
  validation: PipeTransform,
): void {
  const auth = app.get(ProducerAuthGuard);
  const rateLimit = app.get(ProducerRateLimitGuard);
  const messages = app.get(MessagesService);
  const logger = new Logger('Http');
  const body = <T>(request: FastifyRequest, metatype: new () => T): Promise<T> =>
    Promise.resolve(validation.transform(request.body, { type: 'body', metatype }) as T);

  const handlers: Record<string, Handler> = {
    'POST /v1/messages': async (request, reply) => {
      const producer = await auth.authenticate(request);
      rateLimit.take(producer.id, request.body);
      const result = await messages.prepare(producer, await body(request, PrepareMessageDto));
      void reply.status(result.created ? 201 : 200);
      return toMessageView(result.message);
    },
    'POST /v1/messages/batch': async (request, reply) => {
      const producer = await auth.authenticate(request);
      rateLimit.take(producer.id, request.body);
      const dto = await body(request, PrepareBatchDto);
      const results = await messages.prepareBatch(producer, dto.messages);
      void reply.status(200);
      return toBatchResponse(results);
    },
    'POST /v1/messages/:id/confirm': async (request, reply) => {
      const { id } = request.params as { id: string };
      const producer = await auth.authenticate(request);
      const message = await messages.confirm(producer, MessageIdPipe.transform(id));
      void reply.status(200);
      return toMessageView(message);
    },
  };

  const swapped = new Set<string>();
  const fastify = app.getHttpAdapter().getInstance();
  // Half of them going through Nest again (a Nest release that registers them differently)
  // would also split a producer's rate limit between two guards: the start fails instead.
  fastify.addHook('onReady', () => {
    const missing = Object.keys(handlers).filter((key) => !swapped.has(key));
    if (missing.length > 0) {
      throw new Error(`the direct handlers of ${missing.join(', ')} were not installed`);
    }
    return Promise.resolve();
  });
  fastify.addHook('onRoute', (route: RouteOptions) => {
    const key = `${String(route.method)} ${route.url}`;
    const handler = handlers[key];
    if (!handler) return;
    swapped.add(key);
    route.handler = async function direct(request: FastifyRequest, reply: FastifyReply) {
      // As Nest's adapter does, an empty path parameter is no match ("/v1/messages//confirm").
      if ((request.params as { id?: string }).id === '') return reply.callNotFound();
      try {
        return await handler(request, reply);
      } catch (error) {
        return sendError(reply, error, logger);
      }
    };
  });
}
