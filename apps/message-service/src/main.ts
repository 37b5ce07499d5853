import 'reflect-metadata';
import { setFlagsFromString } from 'node:v8';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { ConfigError, loadConfig } from './config/load-config';
import { createApp } from './create-app';
import { exitOnSignals } from './shutdown';

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
  // The live heap is small (tens of MB) and short-lived request data is promoted under load;
  // V8's default lets the old generation grow to 4x the live size before collecting it, which
  // costs more memory than the few extra, incremental full collections this bound causes.
  if (config.heapGrowingPercent > 0) {
    setFlagsFromString(`--heap-growing-percent=${config.heapGrowingPercent}`);
  }
  const logger = new Logger('Main');
  const app = await createApp(
    config,
    new ConsoleLogger({ json: config.logFormat === 'json', colors: config.logFormat === 'pretty' }),
  );
  exitOnSignals(app, config.shutdownGraceMs, logger);
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
