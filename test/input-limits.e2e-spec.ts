import { ErrorBody, MessageView } from '../libs/contracts/src';
import { aPrepareRequest } from './factories/message.factory';
import { deleteMessagesOf } from './support/cleanup';
import { call } from './support/http';
import { registerProducer, startTestApp, TestApp, TestProducer } from './support/test-app';

type Answer = MessageView & Partial<ErrorBody>;

/** JSON text of an object nested `depth` levels deep: {"a":{"a":…}}. */
const deepJson = (depth: number) => `${'{"a":'.repeat(depth)}"x"${'}'.repeat(depth)}`;

describe('Input limits of the producer API (e2e, MariaDB)', () => {
  let t: TestApp;
  let producer: TestProducer;

  beforeAll(async () => {
    t = await startTestApp({ DELIVER_AT_MAX_MS: String(40 * 24 * 3600 * 1000) });
    producer = await registerProducer(t);
  });

  afterAll(async () => {
    await deleteMessagesOf(t, [producer.id]);
    await t.close();
  });

  const prepare = (json: unknown) =>
    call<Answer>(t.baseUrl, 'POST', '/v1/messages', { token: producer.apiKey, json });
  const prepareRaw = (rawBody: string) =>
    call<Answer>(t.baseUrl, 'POST', '/v1/messages', { token: producer.apiKey, rawBody });
  const expect400 = (res: { status: number; body: Answer }, field: string) => {
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.details?.map((d) => d.field)).toContain(field);
  };

  describe('properties', () => {
    it('should refuse 64 values of 1,024 characters: over 16 KiB serialised', async () => {
      const properties = Object.fromEntries(
        Array.from({ length: 64 }, (_, i) => [`p${i}`, 'v'.repeat(1024)]),
      );
      expect400(await prepare(aPrepareRequest({ properties })), 'properties');
    });

    it('should store 16 values of 1,000 characters', async () => {
      const properties = Object.fromEntries(
        Array.from({ length: 16 }, (_, i) => [`p${i}`, 'v'.repeat(1000)]),
      );
      const res = await prepare(aPrepareRequest({ properties }));
      expect(res.status).toBe(201);
      expect(res.body.properties).toEqual(properties);
    });

    it.each(['a b', 'ü', 'x/y', '', 'n'.repeat(65)])('should refuse the name %j', async (name) => {
      expect400(await prepare(aPrepareRequest({ properties: { [name]: 'v' } })), 'properties');
    });

    it.each([
      ['a nested object', { a: { b: 'c' } }],
      ['a number', { a: 1 }],
      ['an array', ['a']],
      ['a control character', { a: 'line\nbreak' }],
    ])('should refuse %s', async (_, properties) => {
      expect400(await prepare(aPrepareRequest({ properties: properties as never })), 'properties');
    });

    it.each(['properties', 'tag', 'keys', 'topic', 'body', 'msgLogId'])(
      'should answer 400, never 500, to JSON nested 10,000 deep in %s',
      async (field) => {
        const base = JSON.stringify(aPrepareRequest());
        const raw = `${base.slice(0, -1)},"${field}":${deepJson(10_000)}}`.replace(
          new RegExp(`"${field}":[^,}]*(\\[[^\\]]*\\])?,`),
          '',
        );
        const res = await prepareRaw(raw);
        expect(res.status).toBe(400);
        expect(['VALIDATION_FAILED', 'MALFORMED_JSON']).toContain(res.body.code);
      },
    );
  });

  describe('control characters', () => {
    it.each([
      ['tag', { tag: 'a\u0000b' }],
      ['tag', { tag: 'a\u007fb' }],
      ['keys', { keys: ['ok', 'bad\tkey'] }],
      ['msgLogId', { msgLogId: 'log\r\n1' }],
      ['messageGroup', { messageGroup: 'g\u0001' }],
      ['msgLogId', { msgLogId: 'lone \ud800 surrogate' }],
      ['keys', { keys: ['\udc00'] }],
    ])('should refuse a control character in %s', async (field, overrides) => {
      expect400(await prepare(aPrepareRequest(overrides)), field);
    });
  });

  describe('deliverAt', () => {
    it.each([
      '2024-W01-1',
      '20240101T000000Z',
      '+2024-01-01T00:00:00Z',
      '2024-01-01T00:00:00',
      '2024-01-01',
      '2024-02-30T00:00:00Z',
      '2024-01-01T24:00:01Z',
      '0999-01-01T00:00:00Z',
      '1969-12-31T23:59:59Z',
      'tomorrow',
    ])('should refuse %j', async (deliverAt) => {
      expect400(await prepare(aPrepareRequest({ deliverAt })), 'deliverAt');
    });

    it('should refuse an instant more than DELIVER_AT_MAX_MS ahead', async () => {
      const deliverAt = new Date(Date.now() + 41 * 24 * 3600 * 1000).toISOString();
      expect400(await prepare(aPrepareRequest({ deliverAt })), 'deliverAt');
    });

    it('should keep an instant with an offset as that instant', async () => {
      const res = await prepare(aPrepareRequest({ deliverAt: '2030-01-01T08:00:00+08:00' }));
      // 2030 is more than 40 days ahead: refused; the same format 10 days ahead is kept.
      expect(res.status).toBe(400);
      const ahead = new Date(Date.now() + 10 * 24 * 3600 * 1000);
      const local = new Date(ahead.getTime() + 2 * 3600 * 1000).toISOString().slice(0, 19);
      const ok = await prepare(aPrepareRequest({ deliverAt: `${local}+02:00` }));
      expect(ok.status).toBe(201);
      expect(new Date(ok.body.deliverAt!).getTime()).toBe(
        Math.floor(ahead.getTime() / 1000) * 1000,
      );
    });

    it('should deliver a past instant now', async () => {
      const res = await prepare(
        aPrepareRequest({ deliverAt: '2020-01-01T00:00:00Z', confirmed: true }),
      );
      expect(res.status).toBe(201);
      expect(new Date(res.body.nextAttemptAt ?? Date.now()).getTime()).toBeLessThanOrEqual(
        Date.now() + 1000,
      );
    });
  });
});
