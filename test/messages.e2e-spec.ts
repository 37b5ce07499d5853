import { ErrorBody } from '../libs/contracts/src';
import { aPrepareRequest } from './factories/message.factory';
import { deleteMessagesOf } from './support/cleanup';
import { call } from './support/http';
import { CONFIRMED_OR_LATER, producerCalls } from './support/producer-calls';
import { registerProducer, startTestApp, TestApp, TestProducer } from './support/test-app';

describe('Producer API (e2e, MariaDB)', () => {
  let t: TestApp;
  let producer: TestProducer;
  let other: TestProducer;

  beforeAll(async () => {
    t = await startTestApp({ MAX_BODY_BYTES: '1024' });
    producer = await registerProducer(t, {
      checkBackUrl: 'http://business.local:8080/msg-log',
      allowedCheckBackOrigins: ['https://other.local'],
    });
    other = await registerProducer(t);
  });

  afterAll(async () => {
    await deleteMessagesOf(t, [producer.id, other.id]);
    await t.close();
  });

  const { prepare, post, get, timeline } = producerCalls(
    () => t,
    () => producer.apiKey,
  );

  describe('POST /v1/messages', () => {
    it('should store a PENDING message and answer 201 with its view', async () => {
      const request = aPrepareRequest();
      const res = await prepare(request);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        producerId: producer.id,
        msgLogId: request.msgLogId,
        topic: 'orders',
        tag: 'created',
        keys: ['order-1'],
        properties: { region: 'eu' },
        status: 'PENDING',
        checkBackCount: 0,
        deliveryAttempts: 0,
        seq: null,
        confirmedAt: null,
      });
      expect(res.body.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
      expect(res.body.body).toBeUndefined();
      // first check-back is due CHECK_BACK_DELAY_MS (30 s by default) after the prepare
      const due = Date.parse(res.body.nextAttemptAt!) - Date.parse(res.body.createdAt);
      expect(due).toBe(30_000);
      expect(await timeline(res.body.id)).toEqual(['PREPARED']);
    });

    it('should answer 200 with the same message when the same msgLogId and content come again', async () => {
      const request = aPrepareRequest();
      const first = await prepare(request);
      const again = await prepare({ ...request, properties: { ...request.properties } });
      expect(first.status).toBe(201);
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(first.body.id);
      expect(await timeline(first.body.id)).toEqual(['PREPARED']);
    });

    it('should treat the same bytes sent as utf8 or base64 as the same content', async () => {
      const request = aPrepareRequest({ body: 'hello' });
      const first = await prepare(request);
      const again = await prepare({
        ...request,
        body: Buffer.from('hello').toString('base64'),
        bodyEncoding: 'base64',
      });
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(first.body.id);
    });

    it('should answer 409 MSG_LOG_ID_CONFLICT when the same msgLogId comes with other content', async () => {
      const request = aPrepareRequest();
      await prepare(request);
      for (const change of [{ body: 'other' }, { topic: 'other' }, { tag: 'x' }, { keys: [] }]) {
        const res = await prepare({ ...request, ...change });
        expect(res.status).toBe(409);
        expect(res.body).toMatchObject({ statusCode: 409, code: 'MSG_LOG_ID_CONFLICT' });
      }
    });

    it('should give each of 20 concurrent prepares of one msgLogId its own correct answer', async () => {
      const request = aPrepareRequest();
      const results = await Promise.all([
        ...Array.from({ length: 20 }, () => prepare(request)),
        ...Array.from({ length: 10 }, (_, i) => prepare(aPrepareRequest({ body: `other-${i}` }))),
      ]);
      const same = results.slice(0, 20);
      expect(same.filter((r) => r.status === 201)).toHaveLength(1);
      expect(same.filter((r) => r.status === 200)).toHaveLength(19);
      expect(new Set(same.map((r) => r.body.id)).size).toBe(1);
      // the unrelated prepares that shared their transactions were stored normally
      expect(results.slice(20).every((r) => r.status === 201)).toBe(true);
      const conflict = await prepare({ ...request, body: 'changed' });
      expect(conflict.body.code).toBe('MSG_LOG_ID_CONFLICT');
      expect(await timeline(same[0].body.id)).toEqual(['PREPARED']);
    });

    it('should confirm a PENDING message when a replay says confirmed: true', async () => {
      const request = aPrepareRequest();
      const first = await prepare(request);
      const replay = await prepare({ ...request, confirmed: true });
      expect(replay.status).toBe(200);
      expect(replay.body.id).toBe(first.body.id);
      expect(CONFIRMED_OR_LATER).toContain(replay.body.status);
      expect(await timeline(first.body.id)).toEqual(['PREPARED', 'CONFIRMED']);
    });

    it('should store confirmed: true as CONFIRMED at once', async () => {
      const res = await prepare(aPrepareRequest({ confirmed: true }));
      expect(res.status).toBe(201);
      expect(CONFIRMED_OR_LATER).toContain(res.body.status);
      expect(res.body.confirmedAt).not.toBeNull();
      expect(await timeline(res.body.id)).toEqual(['PREPARED', 'CONFIRMED']);
    });

    it('should keep a binary body exactly and return it with ?withBody=true', async () => {
      const bytes = Buffer.from([0, 1, 2, 250, 255, 10, 13]);
      const res = await prepare(
        aPrepareRequest({ body: bytes.toString('base64'), bodyEncoding: 'base64' }),
      );
      const read = await get(`/v1/messages/${res.body.id}?withBody=true`);
      expect(Buffer.from(read.body.body!, 'base64').equals(bytes)).toBe(true);
    });

    it.each([
      ['a bad topic', { topic: 'bad topic!' }, 'topic'],
      ['a missing msgLogId', { msgLogId: undefined }, 'msgLogId'],
      ['a too long msgLogId', { msgLogId: 'x'.repeat(129) }, 'msgLogId'],
      ['a bad bodyEncoding', { bodyEncoding: 'hex' }, 'bodyEncoding'],
      ['malformed base64', { body: '@@@', bodyEncoding: 'base64' }, 'body'],
      ['a missing body', { body: undefined }, 'body'],
      ['non-string properties', { properties: { a: 1 } }, 'properties'],
      ['a reserved property name', { properties: { 'rms-seq': '1' } }, 'properties'],
      ['a bad deliverAt', { deliverAt: 'tomorrow' }, 'deliverAt'],
      ['a non-boolean confirmed', { confirmed: 'yes' }, 'confirmed'],
      ['an unknown field', { colour: 'red' }, 'colour'],
      ['a msgLogUrl on a foreign origin', { msgLogUrl: 'http://evil.local/x' }, 'msgLogUrl'],
      [
        'a msgLogUrl that is not http(s)',
        { msgLogUrl: 'ftp://business.local:8080/x' },
        'msgLogUrl',
      ],
    ])(
      'should answer 400 VALIDATION_FAILED naming the field for %s',
      async (_case, change, field) => {
        const res = await prepare({ ...aPrepareRequest(), ...change });
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('VALIDATION_FAILED');
        expect(res.body.details?.map((d) => d.field)).toContain(field);
        expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+/);
      },
    );

    it('should accept a msgLogUrl on the producer origin or an allowed origin', async () => {
      const same = await prepare(
        aPrepareRequest({ msgLogUrl: 'http://business.local:8080/other?x=1' }),
      );
      const allowed = await prepare(aPrepareRequest({ msgLogUrl: 'https://other.local/check' }));
      expect(same.status).toBe(201);
      expect(allowed.status).toBe(201);
      expect(allowed.body.msgLogUrl).toBe('https://other.local/check');
    });

    it('should answer 413 PAYLOAD_TOO_LARGE for a body over MAX_BODY_BYTES after decoding', async () => {
      const ok = await prepare(aPrepareRequest({ body: 'x'.repeat(1024) }));
      expect(ok.status).toBe(201);
      const res = await prepare(aPrepareRequest({ body: 'x'.repeat(1025) }));
      expect(res.status).toBe(413);
      expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
    });

    it('should answer 413 for a request far over the HTTP limit', async () => {
      const res = await prepare(aPrepareRequest({ body: 'x'.repeat(8 * 1024 * 1024) }));
      expect(res.status).toBe(413);
      expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
    });

    it('should answer 400 MALFORMED_JSON for a body that is not JSON', async () => {
      const res = await call<ErrorBody>(t.baseUrl, 'POST', '/v1/messages', {
        token: producer.apiKey,
        rawBody: '{"msgLogId": "x", ',
      });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'MALFORMED_JSON' });
    });

    it('should answer 400 MALFORMED_JSON for a body that would poison prototypes', async () => {
      for (const rawBody of [
        '{"__proto__": {"admin": true}}',
        '{"constructor": {"prototype": {}}}',
      ]) {
        const res = await call<ErrorBody>(t.baseUrl, 'POST', '/v1/messages', {
          token: producer.apiKey,
          rawBody,
        });
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('MALFORMED_JSON');
      }
    });

    it('should answer 415 for a body that is not JSON by its content type', async () => {
      const res = await fetch(`${t.baseUrl}/v1/messages`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${producer.apiKey}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'msgLogId=x&topic=orders&body=hello',
      });
      expect(res.status).toBe(415);
      expect(await res.json()).toMatchObject({ statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    });

    it('should answer 400 for a JSON body that is not an object', async () => {
      for (const rawBody of ['[]', '"text"', 'null']) {
        const res = await call<ErrorBody>(t.baseUrl, 'POST', '/v1/messages', {
          token: producer.apiKey,
          rawBody,
        });
        expect(res.status).toBe(400);
        expect(['VALIDATION_FAILED', 'MALFORMED_JSON']).toContain(res.body.code);
      }
    });
  });

  describe('authentication', () => {
    it('should answer 401 without a key and with a wrong key', async () => {
      const none = await call<ErrorBody>(t.baseUrl, 'POST', '/v1/messages', {
        json: aPrepareRequest(),
      });
      const wrong = await prepare(aPrepareRequest(), 'rms_not-a-key');
      expect(none.status).toBe(401);
      expect(none.body.code).toBe('UNAUTHORIZED');
      expect(wrong.status).toBe(401);
      expect(wrong.body.code).toBe('UNAUTHORIZED');
    });

    it("should answer 404 for another producer's message on every route", async () => {
      const mine = await prepare(aPrepareRequest());
      for (const res of [
        await get(`/v1/messages/${mine.body.id}`, other.apiKey),
        await post(`/v1/messages/${mine.body.id}/confirm`, other.apiKey),
        await post(`/v1/messages/${mine.body.id}/cancel`, other.apiKey),
        await get(`/v1/messages?msgLogId=${encodeURIComponent(mine.body.msgLogId)}`, other.apiKey),
      ]) {
        expect(res.status).toBe(404);
        expect(res.body.code).toBe('NOT_FOUND');
      }
      expect((await get(`/v1/messages/${mine.body.id}`)).body.status).toBe('PENDING');
    });
  });
});
