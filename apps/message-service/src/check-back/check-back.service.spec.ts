import { automock, unitConfig } from '../../../../test/support/unit';
import { AlertService } from '../alerts/alert.service';
import { MetricsService } from '../metrics/metrics.service';
import { Producer } from '../producers/producer';
import { ProducerRepository } from '../producers/producer.repository';
import { CheckBackClaims, PendingMessage } from '../state/check-back-claims';
import { CheckBackClient, CheckBackResult } from './check-back.client';
import { CheckBackService } from './check-back.service';

const producer = (policy: Partial<Producer['policy']> = {}): Producer => ({
  id: 'orders',
  name: 'orders',
  checkBackUrl: 'http://127.0.0.1:8080/log',
  allowedCheckBackOrigins: [],
  signingSecret: 'secret',
  enabled: true,
  policy: {
    checkBackDelayMs: null,
    checkBackGiveUpMs: null,
    checkBackTimeoutMs: null,
    checkBackConcurrency: null,
    ...policy,
  },
  createdAt: new Date(),
  updatedAt: new Date(),
});

const pending = (overrides: Partial<PendingMessage> = {}): PendingMessage => ({
  id: 'M1',
  producerId: 'orders',
  msgLogId: 'order-1',
  topic: 'orders',
  msgLogUrl: null,
  checkBackCount: 0,
  ageMs: 40_000,
  claimToken: 'token',
  ...overrides,
});

const answer = (a: 'COMMITTED' | 'ROLLED_BACK' | 'UNKNOWN'): CheckBackResult => ({
  kind: 'answer',
  answer: a,
  httpStatus: 200,
  latencyMs: 3,
});
const failure = (error = 'HTTP 500'): CheckBackResult => ({
  kind: 'error',
  error,
  httpStatus: 500,
  latencyMs: 3,
});

describe(CheckBackService.name, () => {
  let sut: CheckBackService;
  let claims: jest.Mocked<CheckBackClaims>;
  let client: jest.Mocked<CheckBackClient>;
  let producers: jest.Mocked<ProducerRepository>;
  let alerts: jest.Mocked<AlertService>;

  beforeEach(() => {
    claims = automock<CheckBackClaims>('claim', 'record', 'extendLease');
    client = automock<CheckBackClient>('check');
    producers = automock<ProducerRepository>('findById');
    alerts = automock<AlertService>('raise');
    claims.record.mockResolvedValue(true);
    producers.findById.mockResolvedValue(producer());
    const config = unitConfig({ CHECK_BACK_GIVE_UP_MS: '900000', RETRY_BASE_MS: '10000' });
    sut = new CheckBackService(claims, client, producers, config, new MetricsService(), alerts);
  });

  /** Checks one claimed message back with the business answering `result`; the recorded outcome. */
  async function checkBack(result: CheckBackResult, message = pending()) {
    claims.claim.mockResolvedValueOnce([message]);
    client.check.mockResolvedValue(result);
    expect(await sut.checkNow(message.id)).toBe(true);
    expect(claims.record).toHaveBeenCalledTimes(1);
    const [recorded, outcome] = claims.record.mock.calls[0];
    expect(recorded).toBe(message);
    return outcome;
  }

  describe('checkNow', () => {
    it('should confirm a message the business committed', async () => {
      expect(await checkBack(answer('COMMITTED'))).toEqual({
        kind: 'confirm',
        detail: { attempt: 1, httpStatus: 200, latencyMs: 3, answer: 'COMMITTED' },
      });
    });

    it('should cancel a message the business rolled back', async () => {
      expect(await checkBack(answer('ROLLED_BACK'))).toMatchObject({
        kind: 'cancel',
        reason: 'rolled back: the business transaction did not commit',
      });
    });

    it('should check an UNKNOWN message again with backoff while it is younger than the give-up window', async () => {
      const outcome = await checkBack(answer('UNKNOWN'), pending({ checkBackCount: 2 }));
      expect(outcome).toMatchObject({ kind: 'retry', failMsg: null, detail: { attempt: 3 } });
      // The third check-back: 10 s doubled twice, ±20 %.
      expect(outcome.kind === 'retry' && outcome.retryInMs).toBeGreaterThanOrEqual(32_000);
      expect(outcome.kind === 'retry' && outcome.retryInMs).toBeLessThanOrEqual(48_000);
    });

    it('should cancel an UNKNOWN message as not found once it is past the give-up window', async () => {
      const outcome = await checkBack(answer('UNKNOWN'), pending({ ageMs: 900_000 }));
      expect(outcome).toMatchObject({
        kind: 'cancel',
        reason: expect.stringMatching(/^not found: /),
      });
    });

    it("should use the producer's own give-up window and timeout", async () => {
      producers.findById.mockResolvedValue(
        producer({ checkBackGiveUpMs: 10_000, checkBackTimeoutMs: 750 }),
      );
      const outcome = await checkBack(answer('UNKNOWN'), pending({ ageMs: 12_000 }));
      expect(outcome.kind).toBe('cancel');
      expect(client.check).toHaveBeenCalledWith(expect.objectContaining({ timeoutMs: 750 }));
    });

    it('should never decide on an error: checked again, however old the message', async () => {
      const outcome = await checkBack(
        failure('timed out after 3000 ms'),
        pending({ ageMs: 10 ** 9 }),
      );
      expect(outcome).toMatchObject({
        kind: 'retry',
        failMsg: 'check-back failed: timed out after 3000 ms',
        detail: { error: 'timed out after 3000 ms', httpStatus: 500 },
      });
    });

    it("should call the message's own msgLogUrl, else the producer's check-back URL", async () => {
      await checkBack(answer('COMMITTED'), pending({ msgLogUrl: 'http://127.0.0.1:8080/other' }));
      expect(client.check).toHaveBeenCalledWith(
        expect.objectContaining({ url: 'http://127.0.0.1:8080/other', signingSecret: 'secret' }),
      );
      claims.record.mockClear();
      await checkBack(answer('COMMITTED'));
      expect(client.check).toHaveBeenLastCalledWith(
        expect.objectContaining({ url: 'http://127.0.0.1:8080/log' }),
      );
    });

    it('should not call a msgLogUrl whose origin the producer no longer allows, and never decide', async () => {
      // Allowed at prepare; the operator has since removed the origin from the producer.
      const outcome = await checkBack(
        answer('COMMITTED'),
        pending({ msgLogUrl: 'http://127.0.0.1:9090/log' }),
      );
      expect(client.check).not.toHaveBeenCalled();
      expect(outcome).toMatchObject({
        kind: 'retry',
        failMsg: expect.stringMatching(
          /127\.0\.0\.1:9090 is not among the producer's check-back origins/,
        ),
      });
    });

    it('should check a message of an unknown producer again later without calling anyone', async () => {
      producers.findById.mockResolvedValue(undefined);
      const outcome = await checkBack(answer('COMMITTED'));
      expect(outcome).toMatchObject({ kind: 'retry', failMsg: 'producer not found' });
      expect(client.check).not.toHaveBeenCalled();
    });

    it('should answer false when the message is not PENDING or is being checked', async () => {
      claims.claim.mockResolvedValueOnce([]);
      expect(await sut.checkNow('M1')).toBe(false);
      expect(client.check).not.toHaveBeenCalled();
    });
  });

  describe('sweep', () => {
    it('should claim batch after batch until one is short, and check each message', async () => {
      const batch = (n: number, from: number) =>
        Array.from({ length: n }, (_, i) => pending({ id: `M${from + i}` }));
      claims.claim.mockResolvedValueOnce(batch(100, 0)).mockResolvedValueOnce(batch(7, 100));
      client.check.mockResolvedValue(answer('COMMITTED'));
      expect(await sut.sweep()).toBe(107);
      expect(claims.claim).toHaveBeenCalledTimes(2);
      expect(claims.record).toHaveBeenCalledTimes(107);
    });

    it("should run at most the producer's concurrency of check-backs at once", async () => {
      producers.findById.mockResolvedValue(producer({ checkBackConcurrency: 2 }));
      let running = 0;
      let most = 0;
      client.check.mockImplementation(async () => {
        most = Math.max(most, ++running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        return answer('COMMITTED');
      });
      claims.claim.mockResolvedValueOnce(
        Array.from({ length: 10 }, (_, i) => pending({ id: `M${i}` })),
      );
      await sut.sweep();
      expect(most).toBe(2);
    });

    it('should extend the lease of a producer whose timeout and concurrency need longer', async () => {
      // Defaults: 3 s timeout, concurrency 8: a claim of up to 100 is leased 3 s × (13 + 1) = 42 s.
      producers.findById.mockImplementation((id: string) =>
        Promise.resolve(
          id === 'slow'
            ? { ...producer({ checkBackTimeoutMs: 10_000, checkBackConcurrency: 1 }), id: 'slow' }
            : producer(),
        ),
      );
      const slow = Array.from({ length: 4 }, (_, i) =>
        pending({ id: `S${i}`, producerId: 'slow' }),
      );
      const fast = Array.from({ length: 6 }, (_, i) => pending({ id: `F${i}` }));
      claims.claim.mockResolvedValueOnce([...slow, ...fast]);
      client.check.mockResolvedValue(answer('COMMITTED'));
      await sut.sweep();
      expect(claims.claim).toHaveBeenCalledWith(100, 3_000 * (13 + 1));
      // 4 messages one at a time, 10 s each, plus one timeout of slack.
      expect(claims.extendLease).toHaveBeenCalledTimes(1);
      expect(claims.extendLease).toHaveBeenCalledWith(slow, 50_000);
    });

    it('should raise CHECK_BACK_FAILING after 5 failures in a row, then at 10', async () => {
      claims.claim.mockResolvedValueOnce(
        Array.from({ length: 10 }, (_, i) => pending({ id: `M${i}` })),
      );
      client.check.mockResolvedValue(failure());
      await sut.sweep();
      expect(alerts.raise.mock.calls.map(([a]) => a)).toEqual([
        expect.objectContaining({ type: 'CHECK_BACK_FAILING', consecutiveFailures: 5 }),
        expect.objectContaining({ type: 'CHECK_BACK_FAILING', consecutiveFailures: 10 }),
      ]);
    });
  });
});
