import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Browser, chromium, Page } from 'playwright-core';
import { aPrepareRequest } from '../factories/message.factory';
import { deleteMessagesOf } from '../support/cleanup';
import { ProducerClient } from '../support/messages-api';
import { RocketMqEmulator } from '../support/rocketmq-emulator';
import { registerProducer, startTestApp, TestApp, TestProducer } from '../support/test-app';

const ADMIN = 'test-admin-token-0123456789';
/** Screenshots of every page, for people to look at (not committed). */
const SHOTS = join(__dirname, '../../test-results/console');
const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
];

describe('Ops console in headless Chromium (e2e: the real service)', () => {
  let emulator: RocketMqEmulator;
  let t: TestApp;
  let producer: TestProducer;
  let browser: Browser;
  let failedId: string;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    emulator = new RocketMqEmulator();
    await emulator.start();
    t = await startTestApp({
      MQ_DRIVER: 'rocketmq',
      ROCKETMQ_ENDPOINTS: emulator.endpoints,
      DELIVERY_MAX_ATTEMPTS: '1',
    });
    producer = await registerProducer(t);
    const client = new ProducerClient(t.baseUrl, producer.apiKey);
    emulator.failAllSends();
    const { body } = await client.prepare(
      aPrepareRequest({ confirmed: true, body: '{"orderId":7,"amount":12.5}' }),
    );
    failedId = body.id;
    await client.until(failedId, ['FAILED']);
    emulator.recover();
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await deleteMessagesOf(t, [producer.id]);
    await t.close();
    await emulator.stop();
  });

  async function signedIn(viewport = VIEWPORTS[0]): Promise<Page> {
    const page = await browser.newPage({ viewport });
    await page.goto(`${t.baseUrl}/console/`);
    await page.fill('input[name=token]', ADMIN);
    await page.fill('input[name=actor]', 'ops-anna');
    await page.click('button[type=submit]');
    await page.waitForSelector('h2:text("Overview")');
    return page;
  }

  // Evaluated in the page (strings: the test is not compiled against the DOM).
  const noHorizontalScroll = (page: Page) =>
    page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth');

  it('should refuse a wrong token with a clear sign-in error', async () => {
    const page = await browser.newPage();
    await page.goto(`${t.baseUrl}/console`);
    await page.fill('input[name=token]', 'not-the-admin-token');
    await page.click('button[type=submit]');
    await page.waitForSelector('[role=alert]');
    expect(await page.textContent('[role=alert]')).toContain('admin token was refused');
    expect(await page.isVisible('h2:text("Overview")')).toBe(false);
    await page.screenshot({ path: join(SHOTS, 'sign-in-refused.png') });
    await page.close();
  });

  it('should find a FAILED message by filter, resend it with a reason, and show it SENT with the RESENT actor', async () => {
    const page = await signedIn();
    // The token lives in sessionStorage only: never in the URL, never in localStorage.
    expect(await page.evaluate<string>('JSON.stringify(localStorage)')).toBe('{}');
    expect(await page.evaluate<string>("sessionStorage.getItem('rms-console-token')")).toBe(ADMIN);
    await page.click('a:text("Messages")');
    await page.waitForSelector('select[name=status]');
    // Both fields in one go, before the page renders again (as autofill or a fast hand does).
    await page.evaluate(`(() => {
      const status = document.querySelector('select[name=status]');
      status.value = 'FAILED';
      status.dispatchEvent(new Event('change', { bubbles: true }));
      const producer = document.querySelector('input[name=producerId]');
      producer.value = ${JSON.stringify(producer.id)};
      producer.dispatchEvent(new Event('input', { bubbles: true }));
    })()`);
    await page.click('button:text("Search")');
    await page.waitForSelector(`a:text("${failedId}")`);
    expect(page.url()).toContain('status=FAILED');
    await page.screenshot({ path: join(SHOTS, 'messages.png'), fullPage: true });
    await page.click(`a:text("${failedId}")`);
    await page.waitForSelector('.status-failed');
    await page.click('button:text("pretty JSON")');
    expect(await page.textContent('pre.body')).toContain('"orderId": 7');
    await page.click('button:text("Resend")');
    await page.fill('dialog input[name=reason]', 'broker fixed');
    await page.click('dialog button:text("Confirm")');
    await page.waitForSelector('.status-sent', { timeout: 15_000 });
    const resent = page.locator('tr.event-resent');
    await resent.waitFor();
    expect(await resent.textContent()).toContain('admin:ops-anna');
    expect(await resent.textContent()).toContain('broker fixed');
    expect(page.url()).not.toContain(ADMIN);
    await page.screenshot({ path: join(SHOTS, 'message.png'), fullPage: true });
    await page.close();
  });

  it('should show a new producer its secrets exactly once', async () => {
    const page = await signedIn();
    await page.click('a:text("Producers")');
    const id = `console-${randomBytes(3).toString('hex')}`;
    await page.fill('form[aria-label=register] input[name=id]', id);
    await page.fill('form[aria-label=register] input[name=checkBackUrl]', 'http://127.0.0.1:9/log');
    await page.click('form[aria-label=register] button[type=submit]');
    const key = await page.locator('[aria-label=secrets] input[name=apiKey]').inputValue();
    const secret = await page
      .locator('[aria-label=secrets] input[name=signingSecret]')
      .inputValue();
    expect(key).toMatch(/^rms_/);
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    await page.screenshot({ path: join(SHOTS, 'producers-secrets.png'), fullPage: true });
    await page.click('button:text("I have copied them")');
    await page.waitForSelector(`td:text("${id}")`);
    await page.reload();
    await page.waitForSelector(`td:text("${id}")`);
    const html = await page.content();
    expect(html).not.toContain(key);
    expect(html).not.toContain(secret);
    await page.screenshot({ path: join(SHOTS, 'producers.png'), fullPage: true });
    await page.close();
  });

  it.each(VIEWPORTS)(
    'should fit every page at $width×$height without horizontal scrolling',
    async (viewport) => {
      const page = await signedIn(viewport);
      const pages: [string, string][] = [
        ['#/', 'overview'],
        ['#/messages?status=FAILED', 'messages'],
        [`#/messages/${failedId}`, 'message'],
        ['#/producers', 'producers'],
        ['#/reconciliation', 'reconciliation'],
      ];
      const overflowing: string[] = [];
      for (const [hash, name] of pages) {
        await page.goto(`${t.baseUrl}/console/${hash}`);
        await page.waitForSelector('h2');
        await page.waitForLoadState('networkidle');
        if (!(await noHorizontalScroll(page))) overflowing.push(name);
        await page.screenshot({
          path: join(SHOTS, `${name}-${viewport.name}.png`),
          fullPage: true,
        });
      }
      expect(overflowing).toEqual([]);
      await page.close();
    },
  );
});
