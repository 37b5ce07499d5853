import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import { join } from 'node:path';
import * as ts from 'typescript';
import { DataSource } from 'typeorm';
import { createBusinessDb } from '../support/business-db';
import { signedCheckBack } from '../support/check-back-server';
import { deleteMessagesOf } from '../support/cleanup';
import { freePort } from '../support/service-process';
import { registerProducer, startTestApp, TestApp, TestProducer } from '../support/test-app';
import { waitFor } from '../support/wait';

const PACKAGE = join(__dirname, '../../libs/client');

/** The README's example, exactly as written between its markers. */
function readmeExample(): string {
  const readme = readFileSync(join(PACKAGE, 'README.md'), 'utf8');
  const block = /<!-- example:start -->\s*```ts\n([\s\S]*?)```\s*<!-- example:end -->/.exec(readme);
  if (!block) throw new Error('libs/client/README.md has no example between its markers');
  return block[1];
}

describe('The @rms/client README example (e2e, the built package against the real service)', () => {
  let t: TestApp;
  let producer: TestProducer;
  let db: DataSource;
  let port: number;
  const servers: http.Server[] = [];

  beforeAll(async () => {
    t = await startTestApp({ RETRY_BASE_MS: '200' });
    db = await createBusinessDb('mariadb', 'rms_sdk_readme');
    port = await freePort();
    producer = await registerProducer(t, {
      id: 'order-service',
      checkBackUrl: `http://127.0.0.1:${port}/`,
    });
  });

  afterAll(async () => {
    for (const s of servers) s.close();
    await db.destroy();
    await deleteMessagesOf(t, [producer.id]);
    await t.close();
  });

  it('should publish an order and answer check-backs, run verbatim', async () => {
    const js = ts.transpileModule(readmeExample(), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    // What the example takes from its surroundings: the package, its environment, a DataSource,
    // and port 8080 (mapped to a free loopback port the producer was registered with).
    const httpForExample = {
      ...http,
      createServer: (...args: Parameters<typeof http.createServer>) => {
        const server = http.createServer(...args);
        servers.push(server);
        const listen = server.listen.bind(server);
        server.listen = ((p: number) => listen(p === 8080 ? port : p, '127.0.0.1')) as never;
        return server;
      },
    };
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the example is CommonJS once transpiled
    const load = (name: string): unknown => require(name);
    const requireForExample = (name: string): unknown =>
      name === '@rms/client' ? load(PACKAGE) : name === 'node:http' ? httpForExample : load(name);
    const env = {
      ...process.env,
      RMS_URL: t.baseUrl,
      RMS_API_KEY: producer.apiKey,
      RMS_SIGNING_SECRET: producer.signingSecret,
    };
    const AsyncFunction = Object.getPrototypeOf(async () => {
      await Promise.resolve();
    }).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<void>;
    await new AsyncFunction('require', 'exports', 'process', 'dataSource', js)(
      requireForExample,
      {},
      { env },
      db,
    );

    expect(await db.query("SELECT id FROM orders WHERE id = '42'")).toHaveLength(1);
    const [barrier] = await db.query<{ msg_log_id: string; message_id: string }[]>(
      'SELECT msg_log_id, message_id FROM rms_msg_log',
    );
    await waitFor(async () => {
      const res = await fetch(`${t.baseUrl}/v1/messages?msgLogId=${barrier.msg_log_id}`, {
        headers: { authorization: `Bearer ${producer.apiKey}` },
      });
      return ((await res.json()) as { status: string }).status === 'SENT';
    }, 'the example message to be SENT');

    // The example's check-back endpoint answers for that message, and refuses unsigned calls.
    const request = signedCheckBack(
      producer.id,
      producer.signingSecret,
      { msgLogId: barrier.msg_log_id, messageId: barrier.message_id },
      { path: '/' },
    );
    const answer = await fetch(`http://127.0.0.1:${port}${request.target}`, {
      headers: request.headers as Record<string, string>,
    });
    expect(await answer.json()).toEqual({ status: 'COMMITTED' });
    expect((await fetch(`http://127.0.0.1:${port}/?msgLogId=x`)).status).toBe(401);
  });
});
