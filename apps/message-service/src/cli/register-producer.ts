import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Module } from '@nestjs/common';
import { parseArgs } from 'node:util';
import { ConfigModule } from '../config/config.module';
import { loadConfig } from '../config/load-config';
import { DatabaseModule } from '../database/database.module';
import { ProducersModule } from '../producers/producers.module';
import { ProducersService } from '../producers/producers.service';
import { toErrorBody } from '../common/http-exception.filter';

const USAGE = `usage: npm run producer:register -- --id <slug> --check-back-url <http(s) url>
         [--name <name>] [--allowed-origin <origin>]...`;

/** Registers a producer and prints its API key and signing secret (shown once) as JSON. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      id: { type: 'string' },
      name: { type: 'string' },
      'check-back-url': { type: 'string' },
      'allowed-origin': { type: 'string', multiple: true },
    },
  });
  if (!values.id || !values['check-back-url']) {
    console.error(USAGE);
    process.exit(2);
  }
  const config = loadConfig();

  @Module({
    imports: [ConfigModule.forRoot(config), DatabaseModule.forRoot(config), ProducersModule],
  })
  class RegisterModule {}

  const app = await NestFactory.createApplicationContext(RegisterModule, { logger: ['error'] });
  try {
    const registered = await app.get(ProducersService).register({
      id: values.id,
      name: values.name,
      checkBackUrl: values['check-back-url'],
      allowedCheckBackOrigins: values['allowed-origin'],
    });
    console.log(
      JSON.stringify(
        {
          id: registered.producer.id,
          apiKey: registered.apiKey,
          signingSecret: registered.signingSecret,
        },
        null,
        2,
      ),
    );
  } catch (error) {
    const body = toErrorBody(error);
    console.error(`${body.code}: ${body.message}`);
    process.exitCode = 1;
  } finally {
    await app.close();
  }
}

void main();
