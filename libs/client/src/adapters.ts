import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CheckBackHandler, CheckBackResponse } from './check-back-handler';

function reply(res: ServerResponse, answer: CheckBackResponse): void {
  res.writeHead(answer.status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(answer.body));
}

/**
 * The handler as a Node `http` listener: `http.createServer(toNodeListener(handler))`, or mounted
 * on a path by a router that leaves `req.url` as received.
 */
export function toNodeListener(
  handler: CheckBackHandler,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handler({ method: req.method ?? 'GET', target: req.url ?? '/', headers: req.headers }).then(
      (answer) => reply(res, answer),
      () => reply(res, { status: 500, body: { error: 'check-back failed' } }),
    );
  };
}

/** Express: `app.get('/rms/check-back', toExpressHandler(handler))` (signs `originalUrl`). */
export function toExpressHandler(
  handler: CheckBackHandler,
): (req: IncomingMessage & { originalUrl?: string }, res: ServerResponse) => void {
  return (req, res) => {
    handler({
      method: req.method ?? 'GET',
      target: req.originalUrl ?? req.url ?? '/',
      headers: req.headers,
    }).then(
      (answer) => reply(res, answer),
      () => reply(res, { status: 500, body: { error: 'check-back failed' } }),
    );
  };
}

/** The parts of a Fastify request and reply the adapter uses. */
interface FastifyLike {
  request: { method: string; url: string; originalUrl?: string; headers: CheckBackRequestHeaders };
  reply: { code(status: number): { send(body: unknown): unknown } };
}
type CheckBackRequestHeaders = Record<string, string | string[] | undefined>;

/** Fastify: `app.get('/rms/check-back', toFastifyHandler(handler))` (signs `request.originalUrl`). */
export function toFastifyHandler(
  handler: CheckBackHandler,
): (request: FastifyLike['request'], reply: FastifyLike['reply']) => Promise<void> {
  return async (request, reply) => {
    const answer = await handler({
      method: request.method,
      // The URL as received, before any rewriteUrl: what the service signed.
      target: request.originalUrl ?? request.url,
      headers: request.headers,
    });
    await reply.code(answer.status).send(answer.body);
  };
}
