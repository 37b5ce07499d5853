import { createServer, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { aPrepareRequest } from './factories/message.factory';
import { deleteMessagesOf } from './support/cleanup';
import { call } from './support/http';
import { registerProducer, startTestApp, TestApp, TestProducer } from './support/test-app';
import { waitFor } from './support/wait';

/**
 * A graceful stop in the middle of a long sweep: the sweep finishes the batch in hand and claims
 * no other, so the instance stops within one batch's time instead of sweeping on until
 * SHUTDOWN_GRACE_MS runs out.
 */
describe('Stopping during a long check-back sweep (e2e)', () => {
  let business: Server;
  let api: TestApp;
  let worker: TestApp | undefined;
  let producer: TestProducer;
  let asked = 0;
  const hanging = new Set<ServerResponse>();

  beforeAll(async () => {
    // A business whose check-back endpoint never answers: every call takes the full timeout.
    business = createServer((_request, response) => {
      asked++;
      hanging.add(response);
    });
    await new Promise<void>((resolve) => business.listen(0, '127.0.0.1', resolve));
    // The API-only instance takes the prepares and the clean-up; it sweeps nothing.
    // (It stamps when a PENDING message is due for its check-back: at once here.)
    api = await startTestApp({ ROLE: 'api', CHECK_BACK_DELAY_MS: '0' });
    const { port } = business.address() as AddressInfo;
    producer = await registerProducer(api, {
      checkBackUrl: `http://127.0.0.1:${port}/check-back`,
    });
  });

  afterAll(async () => {
    await worker?.close();
    for (const response of hanging) response.destroy();
    business.close();
    await deleteMessagesOf(api, [producer.id]);
    await api.close();
  });

  it('should finish the batch in hand and claim no other once the stop began', async () => {
    // Three check-back batches of 100 are due at once.
    for (let i = 0; i < 3; i++) {
      const messages = Array.from({ length: 100 }, () => aPrepareRequest({ topic: 'stop' }));
      const res = await call(api.baseUrl, 'POST', '/v1/messages/batch', {
        token: producer.apiKey,
        json: { messages },
      });
      expect(res.status).toBe(200);
    }
    worker = await startTestApp({
      ROLE: 'worker',
      CHECK_BACK_DELAY_MS: '0',
      CHECK_BACK_TIMEOUT_MS: '1500',
      CHECK_BACK_CONCURRENCY: '100',
      SHUTDOWN_GRACE_MS: '20000',
    });
    await waitFor(() => asked >= 100, 'the first batch of check-backs', 15_000);
    const started = Date.now();
    await worker.close();
    worker = undefined;
    const stopMs = Date.now() - started;
    // The first batch's calls time out; without the stop the sweep would go on to the others.
    expect({ asked, stopMs: stopMs < 10_000 }).toEqual({ asked: 100, stopMs: true });
  });
});
