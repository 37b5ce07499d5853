import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { suiteQueuePrefix, TEST_DATABASE_URL, TEST_MQ_REDIS_URL, TEST_REDIS_URL } from './test-env';
import { waitFor } from './wait';

const MAIN = join(__dirname, '../../dist/apps/message-service/src/main.js');

/** A free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** The built service running as a separate process, as it runs in production. */
export class ServiceProcess {
  private output = '';

  private constructor(
    readonly child: ChildProcess,
    readonly baseUrl: string,
  ) {
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
  }

  /** Starts `node dist/.../main.js` and waits until it answers HTTP. */
  static async start(env: Record<string, string> = {}): Promise<ServiceProcess> {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build (npm test does)`);
    const port = await freePort();
    const child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: TEST_DATABASE_URL,
        REDIS_URL: TEST_REDIS_URL,
        MQ_REDIS_URL: TEST_MQ_REDIS_URL,
        ADMIN_TOKEN: 'test-admin-token-0123456789',
        PORT: String(port),
        QUEUE_PREFIX: suiteQueuePrefix(),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const service = new ServiceProcess(child, `http://127.0.0.1:${port}`);
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`service exited early:\n${service.output}`);
        return fetch(`${service.baseUrl}/v1/messages`).then(
          (r) => r.status === 401,
          () => false,
        );
      },
      'the service to listen',
      30_000,
      100,
    );
    return service;
  }

  /** What the process printed so far (for failing tests). */
  get logs(): string {
    return this.output;
  }

  /** SIGKILL: no shutdown hooks, like a crash. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** SIGTERM: a graceful stop. */
  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill(signal);
    await exited;
  }
}
