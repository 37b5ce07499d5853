import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import {
  CheckBackClient,
  MAX_ANSWER_BYTES,
} from '../../apps/message-service/src/check-back/check-back.client';
import { unitConfig } from '../support/unit';

/** A business stub on a loopback address; counts requests and the bytes it managed to send. */
class Stub {
  requests = 0;
  bytesSent = 0;
  private server?: Server;

  constructor(
    private readonly handle: (stub: Stub, res: import('node:http').ServerResponse) => void,
  ) {}

  async listen(host: string): Promise<number> {
    this.server = createServer((_, res) => {
      this.requests++;
      this.handle(this, res);
    });
    await new Promise<void>((r) => this.server!.listen(0, host, r));
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }
}

const request = (url: string, timeoutMs = 2000) => ({
  url,
  producerId: 'orders',
  signingSecret: 'secret',
  msgLogId: 'order-1',
  messageId: '01ARZ3NDEKTSV4RRFFQ69G5FAV',
  topic: 'orders',
  timeoutMs,
});

describe('CheckBackClient (integration, loopback HTTP)', () => {
  const stubs: Stub[] = [];
  const start = async (host: string, handle: ConstructorParameters<typeof Stub>[0]) => {
    const stub = new Stub(handle);
    stubs.push(stub);
    return { stub, port: await stub.listen(host) };
  };
  const committed: ConstructorParameters<typeof Stub>[0] = (_, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"COMMITTED"}');
  };

  afterAll(() => Promise.all(stubs.map((s) => s.close())));

  it('should refuse an address in CHECK_BACK_DENY_CIDRS given literally, before connecting', async () => {
    const { stub, port } = await start('127.0.0.2', committed);
    const client = new CheckBackClient(unitConfig({ CHECK_BACK_DENY_CIDRS: '127.0.0.2/32' }));
    const result = await client.check(request(`http://127.0.0.2:${port}/log`));
    expect(result).toMatchObject({ kind: 'error', httpStatus: null });
    expect(result.kind === 'error' && result.error).toMatch(/CHECK_BACK_DENY_CIDRS refuses/);
    expect(stub.requests).toBe(0);
    // The same stub, not denied: answered.
    const open = new CheckBackClient(unitConfig({ CHECK_BACK_DENY_CIDRS: '127.0.0.3/32' }));
    expect(await open.check(request(`http://127.0.0.2:${port}/log`))).toMatchObject({
      kind: 'answer',
      answer: 'COMMITTED',
    });
  });

  it('should refuse a host name that resolves into a denied range', async () => {
    const { stub, port } = await start('127.0.0.1', committed);
    const client = new CheckBackClient(
      unitConfig({ CHECK_BACK_DENY_CIDRS: '127.0.0.0/8,::1/128' }),
    );
    const result = await client.check(request(`http://localhost:${port}/log`));
    expect(result.kind === 'error' && result.error).toMatch(/localhost resolves to .* refuses/);
    expect(stub.requests).toBe(0);
  });

  it('should cut an endless answer off after 64 KiB, long before the timeout', async () => {
    const { stub, port } = await start('127.0.0.1', (s, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(16 * 1024, 0x20);
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) s.bytesSent += chunk.length;
        if (!res.destroyed) res.once('drain', pump);
      };
      res.on('close', () => undefined);
      pump();
    });
    const client = new CheckBackClient(unitConfig());
    const result = await client.check(request(`http://127.0.0.1:${port}/log`, 10_000));
    expect(result).toMatchObject({ kind: 'error', httpStatus: 200 });
    expect(result.kind === 'error' && result.error).toMatch(/larger than 65536 bytes/);
    expect(result.latencyMs).toBeLessThan(5_000);
    await new Promise((r) => setTimeout(r, 100));
    // The stub stopped once the client hung up: far less than the timeout's worth was read.
    expect(stub.bytesSent).toBeLessThan(64 * MAX_ANSWER_BYTES);
  });

  it('should not follow a redirect', async () => {
    const { port } = await start('127.0.0.1', (_, res) => {
      res.writeHead(302, { location: 'http://127.0.0.1:9/elsewhere' });
      res.end();
    });
    const result = await new CheckBackClient(unitConfig()).check(
      request(`http://127.0.0.1:${port}/log`),
    );
    expect(result).toMatchObject({ kind: 'error', httpStatus: 302, error: 'unexpected HTTP 302' });
  });

  it('should time out a silent business', async () => {
    const { port } = await start('127.0.0.1', () => undefined);
    const result = await new CheckBackClient(unitConfig()).check(
      request(`http://127.0.0.1:${port}/log`, 300),
    );
    expect(result).toMatchObject({
      kind: 'error',
      error: 'timed out after 300 ms',
      httpStatus: null,
    });
  });
});
