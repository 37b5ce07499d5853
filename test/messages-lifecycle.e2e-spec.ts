import { aPrepareRequest } from './factories/message.factory';
import { deleteMessagesOf } from './support/cleanup';
import { CONFIRMED_OR_LATER, producerCalls } from './support/producer-calls';
import { registerProducer, startTestApp, TestApp, TestProducer } from './support/test-app';

describe('Producer API: confirm, cancel, look up (e2e, MariaDB)', () => {
  let t: TestApp;
  let producer: TestProducer;

  beforeAll(async () => {
    t = await startTestApp();
    producer = await registerProducer(t);
  });

  afterAll(async () => {
    await deleteMessagesOf(t, [producer.id]);
    await t.close();
  });

  const { prepare, post, get, timeline } = producerCalls(
    () => t,
    () => producer.apiKey,
  );

  describe('confirm and cancel', () => {
    it('should move PENDING to CONFIRMED and answer 200 again on a second confirm', async () => {
      const { body } = await prepare(aPrepareRequest());
      const first = await post(`/v1/messages/${body.id}/confirm`);
      const second = await post(`/v1/messages/${body.id}/confirm`);
      expect(first.status).toBe(200);
      expect(CONFIRMED_OR_LATER).toContain(first.body.status);
      expect(first.body.confirmedAt).not.toBeNull();
      expect(second.status).toBe(200);
      expect(CONFIRMED_OR_LATER).toContain(second.body.status);
      expect(await timeline(body.id)).toEqual(['PREPARED', 'CONFIRMED']);
    });

    it('should cancel a PENDING message, answer 200 again, and refuse a later confirm with 409', async () => {
      const { body } = await prepare(aPrepareRequest());
      const cancel = await post(`/v1/messages/${body.id}/cancel`);
      const again = await post(`/v1/messages/${body.id}/cancel`);
      const confirm = await post(`/v1/messages/${body.id}/confirm`);
      expect(cancel.status).toBe(200);
      expect(cancel.body.status).toBe('CANCELLED');
      expect(cancel.body.nextAttemptAt).toBeNull();
      expect(again.status).toBe(200);
      expect(confirm.status).toBe(409);
      expect(confirm.body.code).toBe('INVALID_TRANSITION');
      expect(await timeline(body.id)).toEqual(['PREPARED', 'CANCELLED']);
    });

    it('should refuse to cancel a CONFIRMED message with 409', async () => {
      const { body } = await prepare(aPrepareRequest({ confirmed: true }));
      const res = await post(`/v1/messages/${body.id}/cancel`);
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('INVALID_TRANSITION');
    });

    it('should answer 404 for an unknown id', async () => {
      const res = await post('/v1/messages/01ARZ3NDEKTSV4RRFFQ69G5FAV/confirm');
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('NOT_FOUND');
    });

    it('should hold deliverAt as the earliest next attempt after confirm', async () => {
      const deliverAt = new Date(Date.now() + 3_600_000).toISOString();
      const { body } = await prepare(aPrepareRequest({ deliverAt }));
      const confirmed = await post(`/v1/messages/${body.id}/confirm`);
      expect(confirmed.body.deliverAt).toBe(deliverAt);
      expect(confirmed.body.nextAttemptAt).toBe(deliverAt);
    });

    it('should leave exactly one terminal transition when 50 confirms and cancels race', async () => {
      const { body } = await prepare(aPrepareRequest());
      const calls = Array.from({ length: 50 }, (_, i) =>
        post(`/v1/messages/${body.id}/${i % 2 === 0 ? 'confirm' : 'cancel'}`),
      );
      const results = await Promise.all(calls);
      const final = (await get(`/v1/messages/${body.id}`)).body.status;
      expect(['CONFIRMED', 'SENT', 'CANCELLED']).toContain(final);
      const winner = final === 'CANCELLED' ? 'cancel' : 'confirm';
      results.forEach((res, i) => {
        const verb = i % 2 === 0 ? 'confirm' : 'cancel';
        expect(res.status).toBe(verb === winner ? 200 : 409);
      });
      const events = await timeline(body.id);
      expect(events).toEqual(['PREPARED', winner === 'confirm' ? 'CONFIRMED' : 'CANCELLED']);
    });
  });

  describe('GET /v1/messages', () => {
    it('should find a message by msgLogId', async () => {
      const request = aPrepareRequest();
      const { body } = await prepare(request);
      const res = await get(`/v1/messages?msgLogId=${encodeURIComponent(request.msgLogId)}`);
      expect(res.status).toBe(200);
      expect(res.body.id).toBe(body.id);
    });

    it('should answer 400 without msgLogId and 404 for an unknown one', async () => {
      expect((await get('/v1/messages')).status).toBe(400);
      const unknown = await get('/v1/messages?msgLogId=nope');
      expect(unknown.status).toBe(404);
      expect(unknown.body.code).toBe('NOT_FOUND');
    });
  });
});
