import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { anyJson, expectContractAnswer } from './support/fuzz';
import { call } from './support/http';
import { startTestApp, TestApp } from './support/test-app';

const ADMIN = 'test-admin-token-0123456789';

describe('Generated consumer-group, receipt and reconciliation input never gets a 5xx (e2e)', () => {
  let t: TestApp;
  let groupKey: string;
  const topic = `fuzz-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    t = await startTestApp({ ROLE: 'api' });
    const res = await call<{ apiKey: string }>(t.baseUrl, 'POST', '/v1/admin/consumer-groups', {
      token: ADMIN,
      json: { id: `fuzz-${randomBytes(4).toString('hex')}`, topics: [topic] },
    });
    groupKey = res.body.apiKey;
  });

  afterAll(() => t.close());

  const send = (token: string, method: string, path: string, body?: unknown) =>
    fetch(`${t.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('should answer generated receipts with 200 or a 4xx with a stable code', async () => {
    const range = fc.oneof(
      fc.tuple(fc.integer({ min: -5, max: 1e6 }), fc.integer({ min: -5, max: 1e6 })),
      fc.array(anyJson, { maxLength: 3 }),
      anyJson,
    );
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            topic: fc.oneof(fc.constant(topic), anyJson),
            producerId: fc.oneof(fc.constant('orders'), anyJson),
            ranges: fc.oneof(fc.array(range, { maxLength: 20 }), anyJson),
          },
          { requiredKeys: [] },
        ),
        async (body) => expectContractAnswer(await send(groupKey, 'POST', '/v1/receipts', body)),
      ),
      { numRuns: 400 },
    );
  });

  it('should answer generated consumer-group and reconciliation calls likewise', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          { id: anyJson, topics: fc.oneof(fc.array(anyJson), anyJson) },
          { requiredKeys: [] },
        ),
        fc.dictionary(
          fc.constantFrom('topic', 'producerId', 'consumerGroup'),
          fc.string({ unit: 'binary', maxLength: 40 }),
        ),
        fc.string({ unit: 'binary', maxLength: 40 }),
        async (groupBody, query, id) => {
          await expectContractAnswer(
            await send(ADMIN, 'POST', '/v1/admin/consumer-groups', groupBody),
          );
          await expectContractAnswer(
            await send(ADMIN, 'GET', `/v1/admin/consumer-groups/${encodeURIComponent(id)}`),
          );
          const search = new URLSearchParams(query).toString();
          await expectContractAnswer(
            await send(ADMIN, 'GET', `/v1/admin/reconciliation?${search}`),
          );
          await expectContractAnswer(
            await send(ADMIN, 'POST', '/v1/admin/reconciliation/resend', { ...query }),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
