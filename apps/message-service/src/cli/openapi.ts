import 'reflect-metadata';
import { ConsoleLogger } from '@nestjs/common';
import { writeFileSync } from 'node:fs';
import { loadConfig } from '../config/load-config';
import { createApp } from '../create-app';
import { openApiDocument } from '../openapi';

/** `npm run openapi`: writes the OpenAPI document to the path given (default openapi.json). */
async function main(): Promise<void> {
  const out = process.argv[2] ?? 'openapi.json';
  const app = await createApp(
    { ...loadConfig(), role: 'api' },
    new ConsoleLogger({ logLevels: ['error'] }),
  );
  await app.init();
  try {
    writeFileSync(out, `${JSON.stringify(openApiDocument(app), null, 2)}\n`);
    console.log(`wrote ${out}`);
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
