import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { RmsError } from './errors';
import { RmsClient } from './rms-client';

/** A stand-in for the service: answers each request with the next scripted reply. */
class ScriptedService {
  readonly requests: { method: string; url: string; auth?: string; body: string }[] = [];
  private server?: Server;
  url = '';

  constructor(private readonly script: ((res: ServerResponse) => void)[]) {}

  async start(): Promise<void> {
    this.server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        this.requests.push({
          method: req.method!,
          url: req.url!,
          auth: req.headers.authorization,
          body,
        });
        const next = this.script.shift();
        if (next) next(res);
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  (res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
const view = { id: '01ARZ3NDEKTSV4RRFFQ69G5FAV', msgLogId: 'order-1', status: 'PENDING' };

describe(RmsClient.name, () => {
  let service: ScriptedService;
  const start = async (...script: ((res: ServerResponse) => void)[]) => {
    service = new ScriptedService(script);
    await service.start();
    return new RmsClient({
      baseUrl: `${service.url}/`,
      apiKey: 'rms_key',
      timeoutMs: 300,
      retries: 2,
    });
  };

  afterEach(() => service.stop());

  it('should prepare with the key and answer the message view', async () => {
    const client = await start(json(201, view));
    expect(await client.prepare({ msgLogId: 'order-1', topic: 'orders', body: '{}' })).toEqual(
      view,
    );
    expect(service.requests).toEqual([
      {
        method: 'POST',
        url: '/v1/messages',
        auth: 'Bearer rms_key',
        body: JSON.stringify({ msgLogId: 'order-1', topic: 'orders', body: '{}' }),
      },
    ]);
  });

  it('should send as a prepare with confirmed: true, and encode ids in paths', async () => {
    const client = await start(json(201, view), json(200, view), json(200, view));
    await client.send({ msgLogId: 'a', topic: 'orders', body: 'x' });
    await client.confirm('a/b');
    await client.getByMsgLogId('order 1&2');
    expect(JSON.parse(service.requests[0].body)).toMatchObject({ confirmed: true });
    expect(service.requests.map((r) => r.url)).toEqual([
      '/v1/messages',
      '/v1/messages/a%2Fb/confirm',
      '/v1/messages?msgLogId=order%201%262',
    ]);
  });

  it('should try a 503 and a 429 again, waiting as Retry-After says', async () => {
    const client = await start(
      json(503, { statusCode: 503, code: 'STORE_UNAVAILABLE', message: 'down' }),
      json(
        429,
        { statusCode: 429, code: 'RATE_LIMITED', message: 'slow down' },
        { 'retry-after': '1' },
      ),
      json(200, view),
    );
    const started = Date.now();
    expect(await client.confirm(view.id)).toEqual(view);
    expect(service.requests).toHaveLength(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('should throw a 4xx at once with the service code, status and details', async () => {
    const details = [{ field: 'topic', message: 'topic must match' }];
    const client = await start(
      json(400, { statusCode: 400, code: 'VALIDATION_FAILED', message: 'topic: bad', details }),
    );
    const error = (await client
      .prepare({ msgLogId: 'x', topic: '?', body: 'x' })
      .catch((e: unknown) => e)) as RmsError;
    expect(error).toBeInstanceOf(RmsError);
    expect(error).toMatchObject({
      code: 'VALIDATION_FAILED',
      statusCode: 400,
      details,
      retryable: false,
    });
    expect(service.requests).toHaveLength(1);
  });

  it('should give up after the retries with TIMEOUT when the service never answers', async () => {
    const client = await start(
      () => undefined,
      () => undefined,
      () => undefined,
    );
    const error = (await client.get(view.id).catch((e: unknown) => e)) as RmsError;
    expect(error).toMatchObject({ code: 'TIMEOUT', statusCode: undefined, retryable: true });
    expect(service.requests).toHaveLength(3);
  });

  it('should report NETWORK_ERROR when nothing listens', async () => {
    const client = await start();
    await service.stop();
    const error = (await client.get(view.id).catch((e: unknown) => e)) as RmsError;
    expect(error).toMatchObject({ code: 'NETWORK_ERROR' });
    expect(error.message).toMatch(/ECONNREFUSED/);
    service = new ScriptedService([]);
    await service.start();
  });
});
