import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

/** The OpenAPI description of the service (also committed as `openapi.json`). */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Reliable Message Service')
    .setDescription(
      'Publish a message if and only if the business transaction commits: prepare, commit, ' +
        'confirm; stale PENDING messages are checked back with the business. Errors are ' +
        '`{ statusCode, code, message, details? }` with stable codes.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', description: 'producer API key' }, 'producer')
    .addBearerAuth({ type: 'http', description: 'consumer group API key' }, 'consumer-group')
    .addBearerAuth({ type: 'http', description: 'ADMIN_TOKEN' }, 'admin')
    .addBearerAuth({ type: 'http', description: 'METRICS_TOKEN, when set' }, 'metrics')
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** Serves the UI at /docs and the JSON at /docs/openapi.json. */
export function serveOpenApi(app: INestApplication): void {
  SwaggerModule.setup('docs', app, openApiDocument(app), { jsonDocumentUrl: 'docs/openapi.json' });
}
