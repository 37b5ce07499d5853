import fc from 'fast-check';
import { ProducerAuthGuard } from '../apps/message-service/src/producers/producer-auth.guard';
import { aPrepareRequest } from './factories/message.factory';
import { deleteMessagesOf } from './support/cleanup';
import { anyJson } from './support/fuzz';
import { call, callWithHeaders, JsonResponse } from './support/http';
import { registerProducer, startTestApp, TestApp, TestProducer } from './support/test-app';

/** What the two instances answer differently by nature: ids, times, the producer's own id. */
const VARYING = new Set(['id', 'producerId', 'createdAt', 'nextAttemptAt', 'confirmedAt']);

function normalised(
  res: JsonResponse & { headers: Headers },
  producerId: string,
  ids: Map<string, string>,
): unknown {
  const text = JSON.stringify(res.body ?? null, (key, value: unknown) =>
    VARYING.has(key) && value !== null ? `<${key}>` : value,
  );
  // Error messages may name a message id or the producer.
  let out = text.split(producerId).join('<producer>');
  for (const [id, name] of ids) out = out.split(id).join(name);
  out = out.replace(/\b[0-9A-HJKMNP-TV-Z]{26}\b/g, '<message id>');
  out = out.replace(/retry in \d+ ms/g, 'retry in <n> ms'); // when the bucket refills
  const header = (name: string) => res.headers.get(name);
  return {
    status: res.status,
    contentType: header('content-type'),
    retryAfter: header('retry-after'),
    body: JSON.parse(out) as unknown,
  };
}

/** Mostly `valid`, now and then any JSON value, now and then absent. */
const mostly = (valid: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 8, arbitrary: valid },
    { weight: 1, arbitrary: anyJson },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );

/** A prepare body that is often right, often nearly right and sometimes very wrong. */
const prepareBody = fc
  .record({
    msgLogId: mostly(fc.constantFrom('log-a', 'log-b', 'log-c', 'log-d')),
    topic: mostly(fc.constantFrom('orders', 'payments')),
    tag: mostly(fc.constantFrom('created', 'bad tag!')),
    keys: mostly(fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 })),
    properties: mostly(fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), fc.string())),
    body: mostly(fc.constantFrom('{"a":1}', 'aGk=', 'not base64!')),
    bodyEncoding: mostly(fc.constantFrom('utf8', 'base64')),
    deliverAt: mostly(fc.constantFrom('2999-01-01T00:00:00Z', '2001-01-01T00:00:00Z')),
    confirmed: mostly(fc.boolean()),
    extra: fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, anyJson),
  })
  .map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)));

/**
 * The hot routes (prepare, batch, confirm) are answered by plain Fastify handlers rather than
 * Nest's router (`answerHotRoutesDirectly`). An instance built with them and one built without
 * them, each with a producer of its own, are sent the same requests: every answer must be the
 * same, status and body, but for what differs by nature (ids, times, the producer's id).
 */
describe('Hot routes answered directly (e2e, MariaDB)', () => {
  let direct: TestApp;
  let router: TestApp;
  /** The same pair with a rate limit of 2 messages/s per producer. */
  let limitedDirect: TestApp;
  let limitedRouter: TestApp;
  const producers = new Map<TestApp, TestProducer>();

  beforeAll(async () => {
    const env = { ROLE: 'api', MAX_BODY_BYTES: '2048' };
    direct = await startTestApp(env);
    router = await startTestApp(env, { directRoutes: false });
    limitedDirect = await startTestApp({ ...env, RATE_LIMIT_PER_SECOND: '2' });
    limitedRouter = await startTestApp(
      { ...env, RATE_LIMIT_PER_SECOND: '2' },
      { directRoutes: false },
    );
    for (const t of [direct, router, limitedDirect, limitedRouter]) {
      producers.set(t, await registerProducer(t));
    }
  });

  afterAll(async () => {
    await deleteMessagesOf(
      direct,
      [...producers.values()].map((p) => p.id),
    );
    await Promise.all([...producers.keys()].map((t) => t.close()));
  });

  type Request = (t: TestApp, key: string) => Promise<JsonResponse & { headers: Headers }>;

  /** Sends `request` to both instances of `pair` and expects the same answer. */
  async function same(
    request: Request,
    ids = new Map<string, string>(),
    pair = [direct, router],
  ): Promise<number> {
    const answers = [];
    for (const t of pair) {
      const producer = producers.get(t)!;
      answers.push(normalised(await request(t, producer.apiKey), producer.id, ids));
    }
    expect(answers[0]).toEqual(answers[1]);
    return (answers[0] as { status: number }).status;
  }

  const post = (path: string, json?: unknown, options: { rawBody?: string } = {}): Request => {
    return (t, key) => callWithHeaders(t.baseUrl, 'POST', path, { token: key, json, ...options });
  };

  it('should answer a generated prepare the same, whatever it holds', async () => {
    const statuses = new Set<number>();
    for (const body of fc.sample(prepareBody, { numRuns: 150, seed: 16 })) {
      statuses.add(await same(post('/v1/messages', body)));
      statuses.add(await same(post('/v1/messages', body))); // a replay, when it was stored
    }
    // Stored, replayed, refused as a conflict and as invalid: every kind of answer was compared.
    expect([...statuses].sort()).toEqual(expect.arrayContaining([200, 201, 400, 409]));
  });

  it('should answer credentials, malformed and oversized bodies the same', async () => {
    const valid = aPrepareRequest();
    expect(
      await same((t) => callWithHeaders(t.baseUrl, 'POST', '/v1/messages', { json: valid })),
    ).toBe(401);
    expect(
      await same((t) =>
        callWithHeaders(t.baseUrl, 'POST', '/v1/messages', { token: 'x', json: valid }),
      ),
    ).toBe(401);
    expect(await same(post('/v1/messages', undefined, { rawBody: '{"msgLogId":' }))).toBe(400);
    expect(await same(post('/v1/messages', [valid]))).toBe(400);
    expect(await same(post('/v1/messages', { ...valid, body: 'x'.repeat(4096) }))).toBe(413);
    expect(await same(post('/v1/messages', aPrepareRequest({ msgLogId: 'log-same' })))).toBe(201);
    expect(await same(post('/v1/messages', aPrepareRequest({ msgLogId: 'log-same' })))).toBe(200);
  });

  it('should answer a producer over its rate limit the same, Retry-After included', async () => {
    const pair = [limitedDirect, limitedRouter];
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const prepare = post('/v1/messages', aPrepareRequest({ msgLogId: `rl-${i}` }));
      statuses.push(await same(prepare, undefined, pair));
    }
    const batch = post('/v1/messages/batch', { messages: [aPrepareRequest()] });
    statuses.push(await same(batch, undefined, pair));
    expect(statuses).toEqual([201, 201, 429, 429]);
  });

  it('should answer batches the same', async () => {
    const item = (msgLogId: string, extra: object = {}) => ({
      ...aPrepareRequest({ msgLogId }),
      ...extra,
    });
    const batch = (messages: unknown) => post('/v1/messages/batch', { messages });
    expect(await same(batch([item('b-1'), item('b-2', { confirmed: true })]))).toBe(200);
    expect(await same(batch([item('b-1'), item('b-3'), item('b-2', { topic: 'other' })]))).toBe(
      200,
    );
    expect(await same(batch([item('b-4'), item('b-4')]))).toBe(400);
    expect(await same(batch([item('b-5'), { ...item('b-6'), topic: 'bad topic' }]))).toBe(400);
    expect(await same(batch(Array.from({ length: 101 }, (_, i) => item(`b-many-${i}`))))).toBe(400);
    expect(await same(batch('not a list'))).toBe(400);
    expect(await same(post('/v1/messages/batch', [item('b-7')]))).toBe(400);
  });

  it('should answer confirms the same, of own, unknown, malformed and cancelled ids', async () => {
    // Each instance's own messages, named alike in the comparison.
    const ids = new Map<string, string>();
    const own = new Map<TestApp, { pending: string; cancelled: string }>();
    for (const t of [direct, router]) {
      const key = producers.get(t)!.apiKey;
      const make = async (name: string) => {
        const res = await call<{ id: string }>(t.baseUrl, 'POST', '/v1/messages', {
          token: key,
          json: aPrepareRequest({ msgLogId: `confirm-${name}` }),
        });
        ids.set(res.body.id, `<${name}>`);
        return res.body.id;
      };
      own.set(t, { pending: await make('pending'), cancelled: await make('cancelled') });
      await call(t.baseUrl, 'POST', `/v1/messages/${own.get(t)!.cancelled}/cancel`, {
        token: key,
      });
    }
    const confirm =
      (id: (t: TestApp) => string): Request =>
      (t, key) =>
        callWithHeaders(t.baseUrl, 'POST', `/v1/messages/${id(t)}/confirm`, { token: key });
    /** Confirms, on each instance, the message `pick` names there. */
    const confirmOwn = (pick: (t: TestApp) => string) => same(confirm(pick), ids);
    expect(await confirmOwn((t) => own.get(t)!.pending)).toBe(200);
    expect(await confirmOwn((t) => own.get(t)!.pending)).toBe(200);
    expect(await confirmOwn((t) => own.get(t)!.cancelled)).toBe(409);
    // The other instance's message belongs to another producer.
    expect(await confirmOwn((t) => own.get(t === direct ? router : direct)!.pending)).toBe(404);
    expect(await same(confirm(() => '01JBENCHCEILING0000000000000'))).toBe(404);
    expect(await same(confirm(() => 'not-an-id'))).toBe(404);
    // The key is checked before the id.
    expect(
      await same((t) => callWithHeaders(t.baseUrl, 'POST', '/v1/messages/not-an-id/confirm')),
    ).toBe(401);
    expect(await same(confirm(() => ''))).toBe(404);
  });

  it('should answer the hot routes without Nest’s guards, and every other route through them', async () => {
    const guard = jest.spyOn(ProducerAuthGuard.prototype, 'canActivate');
    try {
      const key = producers.get(direct)!.apiKey;
      const prepared = await call<{ id: string }>(direct.baseUrl, 'POST', '/v1/messages', {
        token: key,
        json: aPrepareRequest(),
      });
      await call(direct.baseUrl, 'POST', '/v1/messages/batch', {
        token: key,
        json: { messages: [aPrepareRequest()] },
      });
      await call(direct.baseUrl, 'POST', `/v1/messages/${prepared.body.id}/confirm`, {
        token: key,
      });
      expect(guard).not.toHaveBeenCalled();
      const read = await call(direct.baseUrl, 'GET', `/v1/messages/${prepared.body.id}`, {
        token: key,
      });
      expect(read.status).toBe(200);
      expect(guard).toHaveBeenCalledTimes(1);
    } finally {
      guard.mockRestore();
    }
  });
});
