import { call } from './support/http';
import { startTestApp, TestApp } from './support/test-app';

const ADMIN = 'test-admin-token-0123456789';

describe('Admin: producers (e2e, MariaDB)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ ROLE: 'api' });
  });

  afterAll(() => t.close());

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- admin answers are read loosely here
  const admin = <T = any>(method: string, path: string, json?: unknown) =>
    call<T>(t.baseUrl, method, path, { token: ADMIN, json });

  it('should change only the policy fields a PATCH names, and reset one to the default with null', async () => {
    const id = `policy-${Date.now()}`;
    const policy = {
      checkBackDelayMs: 1000,
      checkBackGiveUpMs: 60_000,
      checkBackTimeoutMs: 2000,
      checkBackConcurrency: 4,
    };
    const created = await admin('POST', '/v1/admin/producers', {
      id,
      checkBackUrl: 'http://127.0.0.1:9/log',
      policy,
    });
    expect(created.status).toBe(201);

    const patched = await admin('PATCH', `/v1/admin/producers/${id}`, {
      policy: { checkBackConcurrency: 2 },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.policy).toEqual({ ...policy, checkBackConcurrency: 2 });

    const reset = await admin('PATCH', `/v1/admin/producers/${id}`, {
      policy: { checkBackTimeoutMs: null },
    });
    expect(reset.body.policy).toEqual({
      ...policy,
      checkBackConcurrency: 2,
      checkBackTimeoutMs: null,
    });
    const named = await admin('PATCH', `/v1/admin/producers/${id}`, { name: 'Orders' });
    expect(named.body).toMatchObject({ name: 'Orders', policy: reset.body.policy });
  });

  it('should refuse a policy that is an array with 400, on create and on PATCH', async () => {
    // Nested validation alone lets an array through, as a policy that changes nothing.
    const id = `policy-array-${Date.now()}`;
    for (const policy of [[], [{ checkBackConcurrency: 2 }]]) {
      const created = await admin('POST', '/v1/admin/producers', {
        id,
        checkBackUrl: 'http://127.0.0.1:9/log',
        policy,
      });
      expect(created.status).toBe(400);
      expect(created.body.details).toEqual([
        { field: 'policy', message: 'policy must be an object' },
      ]);
    }
    expect(
      (await admin('POST', '/v1/admin/producers', { id, checkBackUrl: 'http://127.0.0.1:9/log' }))
        .status,
    ).toBe(201);
    const patched = await admin('PATCH', `/v1/admin/producers/${id}`, { policy: [] });
    expect(patched.status).toBe(400);
    expect(patched.body.details).toEqual([
      { field: 'policy', message: 'policy must be an object' },
    ]);
  });

  it('should refuse more than 20 allowed check-back origins with 400', async () => {
    const origins = Array.from({ length: 3000 }, (_, i) => `http://127.0.0.1:${1000 + i}`);
    const res = await admin('POST', '/v1/admin/producers', {
      id: `origins-${Date.now()}`,
      checkBackUrl: 'http://127.0.0.1:9/log',
      allowedCheckBackOrigins: origins,
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
  });
});
