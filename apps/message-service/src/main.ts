import 'reflect-metadata';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { ConfigError, loadConfig } from './config/load-config';
import { createApp } from './create-app';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const logger = new Logger('Main');
  const app = await createApp(
    config,
    new ConsoleLogger({ json: config.logFormat === 'json', colors: config.logFormat === 'pretty' }),
  );
  await app.listen(config.port, '0.0.0.0');
  logger.log(
    `Reliable Message Service listening on :${config.port} (role=${config.role}, mq=${config.mq.driver})`,
  );
  if (config.adminTokenGenerated) {
    logger.warn(`ADMIN_TOKEN is not set; generated for this run: ${config.adminToken}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
