import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { AppConfig } from '../../apps/message-service/src/config/app-config';
import { loadConfig } from '../../apps/message-service/src/config/load-config';
import { createApp } from '../../apps/message-service/src/create-app';
import { closeGracefully } from '../../apps/message-service/src/shutdown';
import {
  ProducersService,
  RegisterProducerCommand,
} from '../../apps/message-service/src/producers/producers.service';
import { suiteQueuePrefix, TEST_DATABASE_URL, TEST_MQ_REDIS_URL, TEST_REDIS_URL } from './test-env';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  baseUrl: string;
  close(): Promise<void>;
}

/** Boots the real service (real MariaDB) on a random loopback port. */
export async function startTestApp(
  env: Record<string, string> = {},
  options: Parameters<typeof createApp>[2] = {},
): Promise<TestApp> {
  const config = loadConfig({
    DATABASE_URL: TEST_DATABASE_URL,
    REDIS_URL: TEST_REDIS_URL,
    MQ_REDIS_URL: TEST_MQ_REDIS_URL,
    ADMIN_TOKEN: 'test-admin-token-0123456789',
    PORT: '0',
    QUEUE_PREFIX: suiteQueuePrefix(),
    SHUTDOWN_GRACE_MS: '5000',
    // Sweeps every 200 ms (the default is 5 s), so that suites need not wait for them.
    SWEEP_INTERVAL_MS: '200',
    ...env,
  });
  const app = await createApp(config, process.env.TEST_APP_LOG ? undefined : false, options);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return {
    app,
    config,
    baseUrl: `http://127.0.0.1:${address.port}`,
    close: () => closeGracefully(app, config.shutdownGraceMs),
  };
}

export interface TestProducer {
  id: string;
  apiKey: string;
  signingSecret: string;
}

/** Registers a producer with a unique id so that suites never see each other's data. */
export async function registerProducer(
  testApp: TestApp,
  overrides: Partial<RegisterProducerCommand> = {},
): Promise<TestProducer> {
  const id = overrides.id ?? `p-${randomBytes(6).toString('hex')}`;
  const registered = await testApp.app.get(ProducersService).register({
    id,
    checkBackUrl: 'http://127.0.0.1:9/check-back',
    ...overrides,
  });
  return { id, apiKey: registered.apiKey, signingSecret: registered.signingSecret };
}
