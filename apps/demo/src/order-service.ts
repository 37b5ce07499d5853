/**
 * The demo's order service: a business service of its own (database `demo_orders`) that creates
 * orders and publishes `order-paid` with the producer SDK, in the order's transaction, and answers
 * the message service's check-backs from the barrier table. Run as a child process by `main.ts`.
 *
 * Faults it can be asked for, per order: `rollback` (the payment is declined after the prepare:
 * the transaction rolls back) and `crash-before-confirm` (the process kills itself after the
 * commit, before the confirm: only the check-back can publish that order's message); and
 * `crash-consumer`, passed on to the points service in the message's properties.
 */
import { createServer } from 'node:http';
import { DataSource } from 'typeorm';
import {
  createCheckBackHandler,
  PrepareRequest,
  RmsClient,
  toNodeListener,
  TransactionalPublisher,
} from '../../../libs/client/src';
import type { MessageView } from '../../../libs/contracts/src';
import { CHECK_BACK_PATH, OrderRequest } from './order-request';

/** A client whose confirm of chosen messages never happens: the process dies first. */
class CrashingClient extends RmsClient {
  readonly crashOn = new Set<string>();
  private readonly crashIds = new Set<string>();

  override async prepare(request: PrepareRequest): Promise<MessageView> {
    const message = await super.prepare(request);
    if (this.crashOn.has(request.msgLogId)) this.crashIds.add(message.id);
    return message;
  }

  override confirm(id: string): Promise<MessageView> {
    if (this.crashIds.has(id)) process.kill(process.pid, 'SIGKILL');
    return super.confirm(id);
  }
}

async function main(): Promise<void> {
  const env = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is required`);
    return value;
  };
  const dataSource = new DataSource({ type: 'mysql', url: env('DATABASE_URL'), poolSize: 16 });
  await dataSource.initialize();
  await dataSource.query(
    `CREATE TABLE IF NOT EXISTS orders (id VARCHAR(64) PRIMARY KEY, user_id VARCHAR(64) NOT NULL,
       amount DECIMAL(10, 2) NOT NULL, created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))`,
  );
  const client = new CrashingClient({ baseUrl: env('RMS_URL'), apiKey: env('RMS_API_KEY') });
  const publisher = new TransactionalPublisher({
    client,
    dataSource,
    logger: { warn: (m) => console.error(`[order-service] ${m}`) },
  });
  await publisher.ensureSchema();
  const checkBacks = toNodeListener(
    createCheckBackHandler({
      publisher,
      producers: { [env('PRODUCER_ID')]: env('RMS_SIGNING_SECRET') },
    }),
  );

  const server = createServer((req, res) => {
    if (req.url?.startsWith(CHECK_BACK_PATH)) return checkBacks(req, res);
    if (req.method !== 'POST' || req.url !== '/orders') return res.writeHead(404).end();
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      const order = JSON.parse(text) as OrderRequest;
      const msgLogId = `order-${order.orderId}`;
      if (order.fault === 'crash-before-confirm') client.crashOn.add(msgLogId);
      const answer = (status: number, body: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      publisher
        .publish(
          {
            msgLogId,
            topic: 'order-paid',
            keys: [order.orderId],
            // Asks the points service to die in the middle of this order's handler (once).
            properties: order.fault === 'crash-consumer' ? { fault: 'crash-consumer' } : undefined,
            body: JSON.stringify({
              orderId: order.orderId,
              userId: order.userId,
              amount: order.amount,
            }),
          },
          async (tx) => {
            await tx.query('INSERT INTO orders (id, user_id, amount) VALUES (?, ?, ?)', [
              order.orderId,
              order.userId,
              order.amount,
            ]);
            if (order.fault === 'rollback') throw new Error('payment declined');
          },
        )
        .then(
          ({ message }) => answer(201, { orderId: order.orderId, messageId: message.id }),
          (error: Error) => answer(409, { orderId: order.orderId, error: error.message }),
        );
    });
  });
  server.listen(Number(env('PORT')), '127.0.0.1', () => console.log('started'));
  process.on('SIGTERM', () => {
    server.close();
    void dataSource.destroy().then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
