import { aPrepareRequest } from './factories/message.factory';
import { BusinessStub } from './support/business-stub';
import { ProducerClient } from './support/messages-api';
import { ServiceProcess } from './support/service-process';
import { registerProducer, startTestApp, TestApp } from './support/test-app';
import { waitFor } from './support/wait';

describe('Check-back across a crash (e2e, service processes)', () => {
  let stub: BusinessStub;
  let t: TestApp;
  const services: ServiceProcess[] = [];

  beforeAll(async () => {
    stub = new BusinessStub();
    await stub.start();
    // API-only: registers the producer and reads; every check-back comes from the processes.
    t = await startTestApp({ ROLE: 'api' });
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.kill()));
    await t.close();
    await stub.stop();
  });

  it('should resolve every message after the service is killed in the middle of a sweep', async () => {
    const producer = await registerProducer(t, { checkBackUrl: `${stub.url}/msg-log` });
    stub.trust(producer.id, producer.signingSecret);
    stub.fallback = { answer: 'COMMITTED' };
    stub.delayMs = 300;
    const env = {
      CHECK_BACK_DELAY_MS: '500',
      CHECK_BACK_TIMEOUT_MS: '400',
      CHECK_BACK_CONCURRENCY: '5',
      SWEEP_INTERVAL_MS: '100',
      // messages confirmed and claimed for sending by the killed process wait out this lease
      CLAIM_TIMEOUT_MS: '2000',
    };
    const first = await ServiceProcess.start(env);
    services.push(first);
    const client = new ProducerClient(first.baseUrl, producer.apiKey);
    const ids = (
      await Promise.all(
        Array.from({ length: 60 }, () => client.prepare(aPrepareRequest({ topic: 'crash-cb' }))),
      )
    ).map((r) => r.body.id);

    await waitFor(() => stub.requests.length >= 10, 'the sweep to be under way', 15_000);
    await first.kill();
    const seenAtKill = stub.requests.length;
    expect(seenAtKill).toBeLessThan(60);

    const second = await ServiceProcess.start(env);
    services.push(second);
    const reader = new ProducerClient(second.baseUrl, producer.apiKey);
    await waitFor(
      async () =>
        (await Promise.all(ids.map((id) => reader.get(id)))).every((r) => r.body.status === 'SENT'),
      'every message to be SENT after the restart',
      40_000,
      250,
    );
    expect(stub.badSignatures).toEqual([]);
    expect(new Set(stub.requests.map((r) => r.messageId))).toEqual(new Set(ids));
  });
});
