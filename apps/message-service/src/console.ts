import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';

/** Where `npm run build` puts the console: beside the sources, found from here or from dist/. */
const CANDIDATES = [
  join(__dirname, '../../console/dist'),
  join(__dirname, '../../../../apps/console/dist'),
];

/**
 * Serves the ops console (apps/console, a static single-page app) at /console. It talks to the
 * admin API only, with the admin token the operator types in; its pages may load nothing from
 * elsewhere (Content-Security-Policy), nor be framed.
 */
export function serveConsole(app: NestFastifyApplication): void {
  const root = CANDIDATES.find((dir) => existsSync(join(dir, 'index.html')));
  if (!root) {
    new Logger('Console').warn('the console is not built (npm run build): /console is absent');
    return;
  }
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onSend', async (request, reply) => {
    if (!request.url.startsWith('/console')) return;
    void reply.header(
      'content-security-policy',
      "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
    void reply.header('x-frame-options', 'DENY');
    void reply.header('referrer-policy', 'no-referrer');
    void reply.header('x-content-type-options', 'nosniff');
  });
  fastify.get('/console', async (_request, reply) => reply.redirect('/console/', 302));
  app.useStaticAssets({ root, prefix: '/console/', decorateReply: false, index: ['index.html'] });
}
