import fc from 'fast-check';
import { anyJson, expectContractAnswer } from './support/fuzz';
import { deleteMessagesOf } from './support/cleanup';
import { registerProducer, startTestApp, TestApp, TestProducer } from './support/test-app';

const ADMIN = 'test-admin-token-0123456789';
/** A prepare body that is often nearly right and sometimes very wrong. */
const prepareBody = fc.record(
  {
    msgLogId: fc.oneof(fc.string({ maxLength: 140 }), anyJson),
    topic: fc.oneof(fc.stringMatching(/^[%a-zA-Z0-9_-]{1,130}$/), anyJson),
    tag: anyJson,
    keys: fc.oneof(
      fc.array(fc.string({ unit: 'binary', maxLength: 140 }), { maxLength: 40 }),
      anyJson,
    ),
    properties: fc.oneof(
      fc.dictionary(fc.string({ maxLength: 70 }), fc.string({ unit: 'binary', maxLength: 1100 }), {
        maxKeys: 70,
      }),
      anyJson,
    ),
    body: fc.oneof(fc.string({ unit: 'binary' }), fc.base64String(), anyJson),
    bodyEncoding: fc.oneof(fc.constantFrom('utf8', 'base64'), anyJson),
    messageGroup: anyJson,
    deliverAt: fc.oneof(
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      anyJson,
    ),
    msgLogUrl: fc.oneof(fc.webUrl(), anyJson),
    confirmed: fc.oneof(fc.boolean(), anyJson),
    extra: anyJson,
  },
  { requiredKeys: [] },
);

describe('Generated input never gets a 5xx (e2e, property-based)', () => {
  let t: TestApp;
  let producer: TestProducer;

  beforeAll(async () => {
    t = await startTestApp({ ROLE: 'api', MAX_BODY_BYTES: '4096' });
    producer = await registerProducer(t);
  });

  afterAll(async () => {
    await deleteMessagesOf(t, [producer.id]);
    await t.close();
  });

  const send = (
    method: string,
    path: string,
    body?: string,
    headers: Record<string, string> = {},
  ) =>
    fetch(`${t.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${producer.apiKey}`,
        'content-type': 'application/json',
        ...headers,
      },
      body,
    });

  it('should answer generated prepares with 2xx or a 4xx with a stable code', async () => {
    await fc.assert(
      fc.asyncProperty(prepareBody, async (body) => {
        await expectContractAnswer(await send('POST', '/v1/messages', JSON.stringify(body)));
      }),
      { numRuns: 1500 },
    );
  });

  it('should answer generated batches likewise', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.array(prepareBody, { maxLength: 8 }), anyJson),
        async (messages) => {
          await expectContractAnswer(
            await send('POST', '/v1/messages/batch', JSON.stringify({ messages })),
          );
        },
      ),
      { numRuns: 400 },
    );
  });

  it('should answer raw bodies, odd headers and odd ids likewise', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'binary', maxLength: 400 }),
        fc.constantFrom('application/json', 'text/plain', 'application/json; charset=latin1', ''),
        fc.oneof(fc.string({ maxLength: 60 }), fc.constant(`Bearer ${producer?.apiKey ?? ''}`)),
        fc.string({ unit: 'binary', maxLength: 40 }),
        async (raw, contentType, authorization, id) => {
          const headers = {
            'content-type': contentType,
            // Header values must be printable ASCII, or fetch refuses them before sending.
            authorization: [...authorization].filter((c) => c >= ' ' && c <= '~').join(''),
          };
          await expectContractAnswer(await send('POST', '/v1/messages', raw, headers));
          const path = encodeURIComponent(id);
          await expectContractAnswer(await send('POST', `/v1/messages/${path}/confirm`));
          await expectContractAnswer(await send('GET', `/v1/messages?msgLogId=${path}`));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('should answer generated admin calls likewise', async () => {
    const admin = { authorization: `Bearer ${ADMIN}` };
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            id: anyJson,
            name: anyJson,
            checkBackUrl: fc.oneof(fc.webUrl(), anyJson),
            allowedCheckBackOrigins: fc.oneof(fc.array(fc.webUrl(), { maxLength: 3 }), anyJson),
            policy: fc.oneof(
              fc.record({ checkBackConcurrency: anyJson, checkBackTimeoutMs: anyJson }),
              anyJson,
            ),
          },
          { requiredKeys: [] },
        ),
        fc.dictionary(
          fc.constantFrom(
            'status',
            'producerId',
            'topic',
            'createdFrom',
            'createdTo',
            'limit',
            'cursor',
          ),
          fc.string({ unit: 'binary', maxLength: 40 }),
        ),
        fc.string({ unit: 'binary', maxLength: 40 }),
        async (producerBody, query, id) => {
          const path = encodeURIComponent(id);
          await expectContractAnswer(
            await send('GET', `/v1/admin/messages/${path}`, undefined, admin),
          );
          await expectContractAnswer(
            await send('GET', `/v1/admin/producers/${path}`, undefined, admin),
          );
          await expectContractAnswer(
            await send('POST', '/v1/admin/producers', JSON.stringify(producerBody), admin),
          );
          await expectContractAnswer(
            await send(
              'PATCH',
              `/v1/admin/producers/${producer.id}`,
              JSON.stringify({ policy: producerBody.policy }),
              admin,
            ),
          );
          const search = new URLSearchParams(query).toString();
          await expectContractAnswer(
            await send('GET', `/v1/admin/messages?${search}`, undefined, admin),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('should answer ids that cannot exist with 404, and a non-ASCII producerId filter with 400', async () => {
    const admin = { authorization: `Bearer ${ADMIN}` };
    for (const id of ['ü', 'x'.repeat(26), '01ARZ3NDEKTSV4RRFFQ69G5FA%C3%BC']) {
      expect((await send('GET', `/v1/messages/${encodeURIComponent(id)}`)).status).toBe(404);
      expect(
        (await send('GET', `/v1/admin/messages/${encodeURIComponent(id)}`, undefined, admin))
          .status,
      ).toBe(404);
      expect(
        (await send('GET', `/v1/admin/producers/${encodeURIComponent(id)}`, undefined, admin))
          .status,
      ).toBe(404);
    }
    const res = await send('GET', '/v1/admin/messages?producerId=%C3%BC', undefined, admin);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('VALIDATION_FAILED');
  });
});
