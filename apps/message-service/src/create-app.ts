import { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { serveConsole } from './console';
import { AllExceptionsFilter } from './common/http-exception.filter';
import { createValidationPipe } from './common/validation.pipe';
import { FAST_CHECKS } from './messages/dto/fast-checks';
import { answerHotRoutesDirectly } from './messages/direct-routes';
import { AppConfig } from './config/app-config';
import { serveOpenApi } from './openapi';

/**
 * The HTTP request limit: a JSON-encoded body may be larger than its decoded bytes (base64 adds a
 * third, JSON escapes up to six times), so the exact MAX_BODY_BYTES check happens after decoding
 * and answers 413 PAYLOAD_TOO_LARGE; this limit only stops absurd requests early.
 */
export function requestBodyLimit(config: AppConfig): number {
  return config.maxBodyBytes * 6 + 1024 * 1024;
}

/** Builds the Nest application (not listening yet); shared by `main.ts` and the tests. */
export async function createApp(
  config: AppConfig,
  logger?: LoggerService | false,
  /** `directRoutes: false`: every route through Nest's router (what the direct ones match). */
  options: { directRoutes?: boolean } = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: requestBodyLimit(config) });
  // Fastify's own JSON parser (built once, with the adapter's body limit and prototype-poisoning
  // checks) parses the bodies: Nest's replacement builds a new parser for every request.
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    bodyParser: false,
    ...(logger !== undefined ? { logger } : {}),
  });
  app.useGlobalFilters(new AllExceptionsFilter());
  const validation = createValidationPipe(FAST_CHECKS);
  app.useGlobalPipes(validation);
  if (options.directRoutes !== false) answerHotRoutesDirectly(app, validation);
  serveOpenApi(app);
  serveConsole(app);
  return app;
}
