import { spawn } from 'node:child_process';
import { join } from 'node:path';

const DEMO = join(__dirname, '../dist/apps/demo/src/main.js');

/** The demo's output and exit code, run as `npm run demo` runs it (built; `npm test` builds first). */
function runDemo(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [DEMO], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('npm run demo, shorter (e2e: the message service, order and points services, faults)', () => {
  it('should credit every committed order once, none of the rolled-back ones, and reconcile to zero', async () => {
    const { code, output } = await runDemo({ DEMO_ORDERS: '150', DEMO_MQ_OUTAGE_MS: '2000' });
    const value = (label: string) => {
      const line = output.split('\n').find((l) => l.trimStart().startsWith(label));
      return line?.slice(line.indexOf(label) + label.length).trim();
    };
    expect({ code, tail: output.slice(-3000) }).toMatchObject({ code: 0 });
    expect(value('orders committed')).toBe(value('points credited'));
    expect(Number(value('orders committed'))).toBeGreaterThan(100);
    expect(value('lost')).toBe('0');
    expect(value('applied twice')).toBe('0');
    expect(value('points for rolled-back orders')).toBe('0');
    expect(value('order service killed between commit and confirm')).toBe('2');
    expect(value('points service killed mid-handler')).toBe('1');
    expect(value('duplicate deliveries')).toBe('2');
    expect(value('stream entries unread or unacknowledged')).toBe('0');
    expect(Number(value('sends refused while the MQ was down'))).toBeGreaterThan(0);
    expect(Number(value('business transactions rolled back after prepare'))).toBeGreaterThan(0);
    expect(value('decided by check-back: committed / rolled back')).toMatch(/^[1-9]\d* \/ \d+$/);
    const reconciliation = output
      .split('\n')
      .find((l) => l.includes('points-service  order-service'));
    expect(reconciliation?.trim().split(/\s+/).at(-1)).toBe('0'); // missing
  }, 180_000);
});
