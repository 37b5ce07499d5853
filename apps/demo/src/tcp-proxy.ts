import { createServer, Server, Socket, connect } from 'node:net';

/**
 * A TCP proxy in front of a server (here: the Redis that holds the MQ's streams), so that the
 * demo can make the MQ fail without touching the real server: `cut()` drops every connection and
 * stops listening, so that new ones are refused (ECONNREFUSED) until `restore()`.
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private down = false;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(port = 0): Promise<number> {
    this.server = createServer((client) => {
      if (this.down) return client.destroy();
      const upstream = connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this.port;
  }

  cut(): void {
    this.down = true;
    this.server?.close();
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
  }

  /** Listens again, on the same port. */
  async restore(): Promise<void> {
    this.down = false;
    if (!this.server) await this.start(this.port);
  }

  stop(): void {
    this.cut();
  }
}
