import { Body, Controller, INestApplication, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { TypeOrmModule } from '@nestjs/typeorm';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { RmsClient, TransactionalPublisher } from '../../libs/client/src';
import { RmsModule } from '../../libs/client/src/nestjs';
import { createBusinessDb } from '../support/business-db';
import { deleteMessagesOf } from '../support/cleanup';
import { freePort } from '../support/service-process';
import { registerProducer, startTestApp, TestApp, TestProducer } from '../support/test-app';
import { TEST_DATABASE_URL } from '../support/test-env';
import { parseDatabaseUrl } from '../../apps/message-service/src/database/data-source-options';
import { waitFor } from '../support/wait';

const TOPIC = `nest-${randomBytes(3).toString('hex')}`;

/** A business service written with NestJS: an order endpoint that publishes in its transaction. */
@Controller('orders')
class OrdersController {
  constructor(private readonly publisher: TransactionalPublisher) {}

  @Post()
  async create(@Body() order: { id: string; amount: number }): Promise<{ messageId: string }> {
    const { message } = await this.publisher.publish(
      { topic: TOPIC, body: JSON.stringify(order) },
      (tx) => tx.query('INSERT INTO orders (id, amount) VALUES (?, ?)', [order.id, order.amount]),
    );
    return { messageId: message.id };
  }
}

describe('RmsModule.forRoot in a NestJS business service (e2e)', () => {
  let t: TestApp;
  let producer: TestProducer;
  let business: INestApplication;
  let businessUrl: string;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp({ RETRY_BASE_MS: '200' });
    // The business database with its orders table; the module creates the barrier table.
    await (await createBusinessDb('mariadb', 'rms_sdk_nest')).destroy();
    const port = await freePort();
    businessUrl = `http://127.0.0.1:${port}`;
    producer = await registerProducer(t, {
      checkBackUrl: `${businessUrl}/rms/check-back`,
      policy: { checkBackDelayMs: 300 },
    });
    const server = parseDatabaseUrl(TEST_DATABASE_URL);

    @Module({
      imports: [
        TypeOrmModule.forRoot({
          type: 'mariadb',
          host: server.host,
          port: server.port,
          username: server.username,
          password: server.password,
          database: 'rms_sdk_nest',
        }),
        RmsModule.forRoot({
          baseUrl: t.baseUrl,
          apiKey: producer.apiKey,
          signingSecret: producer.signingSecret,
          producerId: producer.id,
        }),
      ],
      controllers: [OrdersController],
    })
    class BusinessModule {}

    business = await NestFactory.create(BusinessModule, new FastifyAdapter(), { logger: false });
    await business.listen(port, '127.0.0.1');
    db = business.get(DataSource);
  });

  afterAll(async () => {
    await business.close();
    await deleteMessagesOf(t, [producer.id]);
    await t.close();
  });

  const client = () => new RmsClient({ baseUrl: t.baseUrl, apiKey: producer.apiKey });
  const createOrder = async () => {
    const id = `order-${randomUUID()}`;
    const res = await fetch(`${businessUrl}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id, amount: 12.5 }),
    });
    expect(res.status).toBe(201);
    return { id, ...((await res.json()) as { messageId: string }) };
  };
  const sent = (messageId: string) =>
    waitFor(
      async () => (await client().get(messageId)).status === 'SENT',
      `message ${messageId} to be SENT`,
    );

  it('should publish an order through the injected TransactionalPublisher', async () => {
    const order = await createOrder();
    await sent(order.messageId);
    expect(await db.query('SELECT id FROM orders WHERE id = ?', [order.id])).toHaveLength(1);
  });

  it('should answer the check-back on its mounted route when the confirm is lost', async () => {
    const injected = business.get(RmsClient);
    const confirm = injected.confirm.bind(injected);
    injected.confirm = () => Promise.reject(new Error('connection reset'));
    try {
      const order = await createOrder();
      expect((await client().get(order.messageId)).status).toBe('PENDING');
      await sent(order.messageId);
      expect((await client().get(order.messageId)).checkBackCount).toBe(1);
    } finally {
      injected.confirm = confirm;
    }
  });
});
