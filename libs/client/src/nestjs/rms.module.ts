import { Controller, DynamicModule, Get, Inject, Module, Provider, Req, Res } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createCheckBackHandler, CheckBackHandler } from '../check-back-handler';
import { RmsClient } from '../rms-client';
import { TransactionalPublisher } from '../transactional-publisher';

export interface RmsModuleOptions {
  /** The service's base URL. */
  baseUrl: string;
  /** The producer's API key. */
  apiKey: string;
  /** The producer's signing secret: check-backs must be signed with it. */
  signingSecret: string;
  /** Only check-backs naming this producer are accepted; default: any name, the secret decides. */
  producerId?: string;
  /** Where the check-back route is mounted; default `/rms/check-back`. */
  checkBackPath?: string;
  /** The barrier table; default `rms_msg_log`. */
  table?: string;
  /** The business DataSource; default the one TypeOrmModule provides. */
  dataSource?: DataSource;
  /** Create the barrier table at start when missing; default true. */
  ensureSchema?: boolean;
  timeoutMs?: number;
  retries?: number;
}

const CHECK_BACK_HANDLER = Symbol('RMS_CHECK_BACK_HANDLER');

/** The request and reply parts the route uses, the same on Express and Fastify. */
interface RawRequest {
  method: string;
  url: string;
  originalUrl?: string;
  headers: Record<string, string | string[] | undefined>;
}
interface RawReply {
  status(code: number): unknown;
}

/**
 * NestJS integration: provides `RmsClient` and `TransactionalPublisher` everywhere (global) and
 * mounts the check-back route (`GET /rms/check-back` by default; register its URL as the
 * producer's `checkBackUrl`). Works on Express and Fastify.
 */
@Module({})
export class RmsModule {
  static forRoot(options: RmsModuleOptions): DynamicModule {
    @Controller()
    class RmsCheckBackController {
      constructor(@Inject(CHECK_BACK_HANDLER) private readonly handler: CheckBackHandler) {}

      @Get(options.checkBackPath ?? '/rms/check-back')
      async checkBack(
        @Req() req: RawRequest,
        @Res({ passthrough: true }) res: RawReply,
      ): Promise<unknown> {
        const answer = await this.handler({
          method: req.method,
          target: req.originalUrl ?? req.url,
          headers: req.headers,
        });
        res.status(answer.status);
        return answer.body;
      }
    }

    const providers: Provider[] = [
      {
        provide: RmsClient,
        useFactory: () =>
          new RmsClient({
            baseUrl: options.baseUrl,
            apiKey: options.apiKey,
            timeoutMs: options.timeoutMs,
            retries: options.retries,
          }),
      },
      {
        provide: TransactionalPublisher,
        inject: options.dataSource ? [RmsClient] : [RmsClient, DataSource],
        useFactory: async (client: RmsClient, injected?: DataSource) => {
          const publisher = new TransactionalPublisher({
            client,
            dataSource: options.dataSource ?? injected!,
            table: options.table,
          });
          if (options.ensureSchema !== false) await publisher.ensureSchema();
          return publisher;
        },
      },
      {
        provide: CHECK_BACK_HANDLER,
        inject: [TransactionalPublisher],
        useFactory: (publisher: TransactionalPublisher) =>
          createCheckBackHandler({
            publisher,
            ...(options.producerId
              ? { producers: { [options.producerId]: options.signingSecret } }
              : { signingSecret: options.signingSecret }),
          }),
      },
    ];
    return {
      module: RmsModule,
      global: true,
      controllers: [RmsCheckBackController],
      providers,
      exports: [RmsClient, TransactionalPublisher],
    };
  }
}
