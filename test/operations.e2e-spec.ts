import { aPrepareRequest } from './factories/message.factory';
import { deleteMessagesOf } from './support/cleanup';
import { call } from './support/http';
import { ProducerClient } from './support/messages-api';
import { RocketMqEmulator } from './support/rocketmq-emulator';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor } from './support/wait';
import { WebhookReceiver } from './support/webhook-receiver';

const ADMIN = 'test-admin-token-0123456789';

describe('Operations: admin API, stats, metrics, alerts (e2e)', () => {
  let emulator: RocketMqEmulator;
  let webhook: WebhookReceiver;
  let t: TestApp;

  beforeAll(async () => {
    emulator = new RocketMqEmulator();
    await emulator.start();
    webhook = new WebhookReceiver();
    await webhook.start();
    t = await startTestApp({
      MQ_DRIVER: 'rocketmq',
      ROCKETMQ_ENDPOINTS: emulator.endpoints,
      DELIVERY_MAX_ATTEMPTS: '3',
      RETRY_BASE_MS: '100',
      RETRY_MAX_MS: '500',
      SWEEP_INTERVAL_MS: '100',
      ALERT_WEBHOOK_URL: webhook.url,
    });
  });

  afterEach(() => emulator.recover());

  afterAll(async () => {
    await deleteMessagesOf(t, registered);
    await t.close();
    await webhook.stop();
    await emulator.stop();
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- admin answers are read loosely here
  const admin = <T = any>(
    method: string,
    path: string,
    json?: unknown,
    headers?: Record<string, string>,
  ) => call<T>(t.baseUrl, method, path, { token: ADMIN, json, headers });

  const registered: string[] = [];
  const registerViaApi = async (id: string) => {
    registered.push(id);
    const res = await admin('POST', '/v1/admin/producers', {
      id,
      checkBackUrl: 'http://127.0.0.1:9/log',
    });
    expect(res.status).toBe(201);
    return res.body as { producer: { id: string }; apiKey: string; signingSecret: string };
  };

  it('should let an operator find a dead message, see it everywhere, and resend it', async () => {
    const registered = await registerViaApi(`ops-${Date.now()}`);
    expect(registered.apiKey).toMatch(/^rms_/);
    expect(registered.signingSecret).toHaveLength(64);
    const client = new ProducerClient(t.baseUrl, registered.apiKey);

    const good = aPrepareRequest({ topic: 'ops-orders', confirmed: true });
    const goodId = (await client.prepare(good)).body.id;
    await client.until(goodId, ['SENT']);
    const found = await admin(
      'GET',
      `/v1/admin/messages?msgLogId=${encodeURIComponent(good.msgLogId)}`,
    );
    expect(found.body.items.map((m: { id: string }) => m.id)).toEqual([goodId]);
    const detail = await admin('GET', `/v1/admin/messages/${goodId}`);
    expect(detail.body.events.map((e: { type: string }) => e.type)).toEqual([
      'PREPARED',
      'CONFIRMED',
      'DELIVERY_ATTEMPT',
      'SENT',
    ]);

    emulator.failAllSends(50000);
    const dead = (await client.prepare(aPrepareRequest({ topic: 'ops-orders', confirmed: true })))
      .body.id;
    await client.until(dead, ['FAILED']);

    const failedList = await admin(
      'GET',
      `/v1/admin/messages?status=FAILED&producerId=${registered.producer.id}`,
    );
    expect(failedList.body.items.map((m: { id: string }) => m.id)).toEqual([dead]);
    const stats = await admin('GET', '/v1/admin/stats');
    expect(stats.body.dead).toBeGreaterThanOrEqual(1);
    expect(stats.body.counts).toContainEqual({
      producerId: registered.producer.id,
      topic: 'ops-orders',
      status: 'FAILED',
      count: 1,
    });
    const metrics = await fetch(`${t.baseUrl}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/^rms_messages\{status="FAILED"\} [1-9]/m);
    expect(metrics).toContain(
      `rms_transitions_total{status="FAILED",producer="${registered.producer.id}",topic="ops-orders"} 1`,
    );
    expect(metrics).toMatch(/^rms_confirm_to_receipt_seconds_count [1-9]/m);
    expect(metrics).toContain('rms_oldest_pending_age_seconds');

    await waitFor(() => webhook.received.some((a) => a.messageId === dead), 'the alert webhook');
    expect(webhook.received.filter((a) => a.messageId === dead)).toEqual([
      expect.objectContaining({
        type: 'MESSAGE_FAILED',
        messageId: dead,
        producerId: registered.producer.id,
        attempts: 3,
      }),
    ]);

    emulator.recover();
    const resent = await admin(
      'POST',
      `/v1/admin/messages/${dead}/resend`,
      { reason: 'broker fixed' },
      { 'x-rms-actor': 'alice' },
    );
    expect(resent.status).toBe(200);
    expect(['CONFIRMED', 'SENT']).toContain(resent.body.status);
    const sent = await client.until(dead, ['SENT']);
    expect(sent.deliveryAttempts).toBe(1);
    const timeline = (await admin('GET', `/v1/admin/messages/${dead}`)).body.events;
    expect(timeline.find((e: { type: string }) => e.type === 'RESENT').detail).toMatchObject({
      from: 'FAILED',
      to: 'CONFIRMED',
      actor: 'admin:alice',
      reason: 'broker fixed',
    });
    expect(timeline.at(-1).type).toBe('SENT');
    await new Promise((r) => setTimeout(r, 300));
    expect(webhook.received.filter((a) => a.messageId === dead)).toHaveLength(1);
  });

  it('should refuse producer keys and missing tokens on admin routes, and let the admin see any producer', async () => {
    const registered = await registerViaApi(`auth-${Date.now()}`);
    const client = new ProducerClient(t.baseUrl, registered.apiKey);
    const { body } = await client.prepare(aPrepareRequest());
    for (const [method, path] of [
      ['GET', '/v1/admin/producers'],
      ['GET', '/v1/admin/messages'],
      ['GET', `/v1/admin/messages/${body.id}`],
      ['GET', '/v1/admin/stats'],
      ['POST', `/v1/admin/messages/${body.id}/resend`],
    ]) {
      expect((await call(t.baseUrl, method, path, { token: registered.apiKey })).status).toBe(401);
      expect((await call(t.baseUrl, method, path)).status).toBe(401);
    }
    const asAdmin = await admin('GET', `/v1/admin/messages/${body.id}`);
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.body.producerId).toBe(registered.producer.id);
  });

  it('should manage producers: list without secrets, disable, rotate keys', async () => {
    const id = `mgmt-${Date.now()}`;
    const registered = await registerViaApi(id);
    const listed = await admin('GET', '/v1/admin/producers');
    const entry = listed.body.find((p: { id: string }) => p.id === id);
    expect(entry).toMatchObject({ id, enabled: true, checkBackUrl: 'http://127.0.0.1:9/log' });
    expect(JSON.stringify(listed.body)).not.toContain(registered.signingSecret);
    expect(JSON.stringify(entry)).not.toMatch(/apiKey|signingSecret|hash/i);

    const rotated = await admin('POST', `/v1/admin/producers/${id}/rotate-key`, {
      rotateSigningSecret: true,
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.signingSecret).not.toBe(registered.signingSecret);
    expect(
      (await call(t.baseUrl, 'GET', '/v1/messages?msgLogId=x', { token: registered.apiKey }))
        .status,
    ).toBe(401);
    expect(
      (await call(t.baseUrl, 'GET', '/v1/messages?msgLogId=x', { token: rotated.body.apiKey }))
        .status,
    ).toBe(404);

    const patched = await admin('PATCH', `/v1/admin/producers/${id}`, {
      enabled: false,
      policy: { checkBackConcurrency: 2 },
      allowedCheckBackOrigins: ['https://eu.example.com/anything'],
    });
    expect(patched.body).toMatchObject({
      enabled: false,
      policy: { checkBackConcurrency: 2, checkBackDelayMs: null },
      allowedCheckBackOrigins: ['https://eu.example.com'],
    });
    expect(
      (await call(t.baseUrl, 'GET', '/v1/messages?msgLogId=x', { token: rotated.body.apiKey }))
        .status,
    ).toBe(401);
    expect(
      (await admin('PATCH', `/v1/admin/producers/${id}`, { checkBackUrl: 'ftp://x' })).status,
    ).toBe(400);
    expect((await admin('GET', '/v1/admin/producers/nobody')).status).toBe(404);
    expect(
      (await admin('POST', '/v1/admin/producers', { id: 'Bad Id', checkBackUrl: 'http://x' })).body
        .code,
    ).toBe('VALIDATION_FAILED');
  });

  it('should page through messages with a cursor, cancel, check back PENDING only, and resend in bulk', async () => {
    const registered = await registerViaApi(`page-${Date.now()}`);
    const client = new ProducerClient(t.baseUrl, registered.apiKey);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await client.prepare(aPrepareRequest({ topic: 'paging' }))).body.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await admin(
        'GET',
        `/v1/admin/messages?producerId=${registered.producer.id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.body.items.map((m: { id: string }) => m.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    expect((await admin('GET', '/v1/admin/messages?status=LOST')).status).toBe(400);

    const cancelled = await admin('POST', `/v1/admin/messages/${ids[0]}/cancel`, {
      reason: 'duplicate order',
    });
    expect(cancelled.body).toMatchObject({ status: 'CANCELLED', failMsg: 'duplicate order' });
    expect((await admin('POST', `/v1/admin/messages/${ids[0]}/cancel`, {})).status).toBe(400);
    expect((await admin('POST', `/v1/admin/messages/${ids[0]}/check-back`)).body.code).toBe(
      'INVALID_TRANSITION',
    );
    const checked = await admin('POST', `/v1/admin/messages/${ids[1]}/check-back`);
    expect(checked.status).toBe(200);
    expect(checked.body).toMatchObject({ status: 'PENDING', checkBackCount: 1 });

    const bulk = await admin('POST', '/v1/admin/messages/resend', {
      status: 'CANCELLED',
      producerId: registered.producer.id,
    });
    expect(bulk.body).toEqual({ count: 1 });
    await client.until(ids[0], ['SENT']);
  });
});
