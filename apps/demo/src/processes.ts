import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A child process that is started again whenever it dies (as a supervisor would), until `stop`.
 * Up when `ready()` answers true, or, without `ready`, when it prints `started`.
 */
export class Supervised {
  child?: ChildProcess;
  restarts = 0;
  private stopping = false;
  private output = '';
  private upWaiters: (() => void)[] = [];
  private up = false;

  constructor(
    readonly name: string,
    private readonly script: string,
    private readonly env: Record<string, string>,
    private readonly ready?: () => Promise<boolean>,
  ) {}

  get isUp(): boolean {
    return this.up;
  }

  async start(): Promise<void> {
    this.up = false;
    const child = spawn(process.execPath, [this.script], {
      env: { PATH: process.env.PATH ?? '', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout?.on('data', (d: Buffer) => {
      if (!this.ready && d.toString().includes('started')) this.markUp();
    });
    child.stderr?.on('data', (d: Buffer) => {
      this.output = (this.output + d.toString()).slice(-4000);
    });
    child.once('exit', () => {
      this.up = false;
      if (this.stopping) return;
      this.restarts++;
      void this.start();
    });
    if (this.ready) void this.poll(child);
    await this.waitUp(60_000);
  }

  /** Resolves once the process is up again (after a crash, say). */
  waitUp(timeoutMs = 30_000): Promise<void> {
    if (this.up) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.name} did not come up: ${this.output.slice(-1500)}`)),
        timeoutMs,
      );
      this.upWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  private markUp(): void {
    this.up = true;
    for (const wake of this.upWaiters.splice(0)) wake();
  }

  private async poll(child: ChildProcess): Promise<void> {
    while (this.child === child && child.exitCode === null && !this.up) {
      if (await this.ready!().catch(() => false)) return this.markUp();
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
