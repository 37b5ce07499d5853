import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import { DataSource } from 'typeorm';
import { createBusinessDb } from '../support/business-db';
import { ConsumerHarness } from '../support/consumer-harness';
import { TEST_MQ_REDIS_URL } from '../support/test-env';
import { waitFor } from '../support/wait';

const PACKAGE = join(__dirname, '../../libs/consumer');

function readmeExample(): string {
  const readme = readFileSync(join(PACKAGE, 'README.md'), 'utf8');
  const block = /<!-- example:start -->\s*```ts\n([\s\S]*?)```\s*<!-- example:end -->/.exec(readme);
  if (!block) throw new Error('libs/consumer/README.md has no example between its markers');
  return block[1];
}

describe('The @rms/consumer README example (e2e, the built package against the real service)', () => {
  const h = new ConsumerHarness('redis');
  let db: DataSource;
  const started: { stop(): Promise<void> }[] = [];

  beforeAll(async () => {
    await h.start();
    db = await createBusinessDb('mariadb', 'rms_consumer_readme');
    await db.query('CREATE TABLE points (order_id VARCHAR(64) PRIMARY KEY, points INT NOT NULL)');
  });

  afterAll(async () => {
    // The consumer first, then its Redis connection.
    for (const c of started.reverse()) await c.stop();
    await db.destroy();
    await h.stop();
  });

  it('should credit points for a published order, run verbatim', async () => {
    await h.redis.del('rms:order-paid');
    await fetch(`${h.t.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.producer.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        msgLogId: 'order-7',
        topic: 'order-paid',
        confirmed: true,
        body: JSON.stringify({ orderId: '7', amount: 12.9 }),
      }),
    });
    const js = ts.transpileModule(readmeExample(), {
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
      },
    }).outputText;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the example is CommonJS once transpiled
    const load = (name: string): unknown => require(name);
    const sdk = load(PACKAGE) as { RmsConsumer: new (o: unknown) => { stop(): Promise<void> } };
    // The example's consumer, kept so that the test can stop it.
    class Recorded extends sdk.RmsConsumer {
      constructor(options: unknown) {
        super(options);
        started.push(this);
      }
    }
    // The example's own Redis connection, kept so that the test can close it.
    const Redis = load('ioredis') as typeof import('ioredis').default;
    class RecordedRedis extends Redis {
      constructor(url: string) {
        super(url);
        started.push({ stop: () => this.quit().then(() => undefined) });
      }
    }
    const requireForExample = (name: string): unknown =>
      name === '@rms/consumer'
        ? { ...sdk, RmsConsumer: Recorded }
        : name === 'ioredis'
          ? { __esModule: true, default: RecordedRedis }
          : load(name);
    const AsyncFunction = Object.getPrototypeOf(async () => {
      await Promise.resolve();
    }).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<void>;
    await new AsyncFunction('require', 'exports', 'process', 'dataSource', js)(
      requireForExample,
      {},
      { env: { ...process.env, REDIS_URL: TEST_MQ_REDIS_URL } },
      db,
    );
    const rows = await waitFor(async () => {
      const r = await db.query<{ order_id: string; points: number }[]>('SELECT * FROM points');
      return r.length === 1 ? r : undefined;
    }, 'the points row');
    expect(rows).toEqual([{ order_id: '7', points: 12 }]);
    expect(started).toHaveLength(2);
  });
});
