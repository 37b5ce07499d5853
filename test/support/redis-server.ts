import { ChildProcess, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import Redis from 'ioredis';
import { freePort } from './service-process';
import { waitFor } from './wait';

/** A throw-away redis-server of the test's own, which a test may stop and start again. */
export class RedisServer {
  private child?: ChildProcess;
  port = 0;

  /** `extraArgs`: more redis-server options, e.g. `['--replicaof', host, port]`. */
  constructor(private readonly extraArgs: string[] = []) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.port ||= await freePort();
    this.child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        // A replica's full sync writes an RDB file even without --save: not into the checkout.
        '--dir',
        tmpdir(),
        ...this.extraArgs,
      ],
      {
        stdio: 'ignore',
      },
    );
    await waitFor(async () => {
      const probe = new Redis(this.port, '127.0.0.1', {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
      });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        probe.disconnect();
      }
    }, 'redis-server to answer');
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
}
