import { MessageStatus } from '@app/contracts';
import { aNewMessage } from '../factories/new-message.factory';
import { startState, StateHarness } from '../support/state-db';
import { sleep } from '../support/wait';

describe('Check-back claims (integration)', () => {
  let h: StateHarness;

  beforeAll(async () => {
    h = await startState('check_back_claims');
  });

  afterAll(() => h.close());

  const pending = async () =>
    (
      await h.producer.prepare([
        aNewMessage({ status: MessageStatus.PENDING, checkBackDelayMs: 0 }),
      ])
    )[0];
  const retry = (error: string, attempt: number) => ({
    kind: 'retry' as const,
    retryInMs: 0,
    failMsg: `check-back failed: ${error}`,
    detail: { attempt, error, httpStatus: 500, latencyMs: 3, retryInMs: 0 },
  });
  const checkBacks = async (id: string) =>
    (await h.reads.timeline(id)).filter((e) => e.type === 'CHECK_BACK').map((e) => e.detail);

  it('should fold repeated identical errors into one event with a count', async () => {
    const m = await pending();
    const attempt = async (outcome: Parameters<StateHarness['checkBackClaims']['record']>[1]) => {
      const [claimed] = await h.checkBackClaims.claim(1, 60_000, [m.id]);
      expect(await h.checkBackClaims.record(claimed, outcome)).toBe(true);
    };
    await attempt(retry('unexpected HTTP 500', 1));
    await attempt(retry('unexpected HTTP 500', 2));
    await attempt(retry('unexpected HTTP 500', 3));
    await attempt(retry('timed out after 3000 ms', 4));
    await attempt(retry('timed out after 3000 ms', 5));
    await attempt({
      kind: 'retry',
      retryInMs: 0,
      failMsg: null,
      detail: { attempt: 6, answer: 'UNKNOWN' },
    });
    await attempt(retry('unexpected HTTP 500', 7));

    expect(await checkBacks(m.id)).toEqual([
      expect.objectContaining({ attempt: 1, count: 3, lastAttempt: 3, lastAt: expect.any(String) }),
      expect.objectContaining({ attempt: 4, count: 2, lastAttempt: 5 }),
      { attempt: 6, answer: 'UNKNOWN' },
      expect.objectContaining({ attempt: 7, error: 'unexpected HTTP 500' }),
    ]);
    expect((await checkBacks(m.id))[3]).not.toHaveProperty('count');
    expect((await h.reads.findById(m.id))!.checkBackCount).toBe(7);
  });

  it('should not fold a stale attempt into a live one', async () => {
    const m = await pending();
    const [first] = await h.checkBackClaims.claim(1, 60_000, [m.id]);
    await h.checkBackClaims.record(first, retry('unexpected HTTP 500', 1));
    expect(await h.checkBackClaims.record(first, retry('unexpected HTTP 500', 1))).toBe(false);
    expect(await checkBacks(m.id)).toEqual([
      expect.not.objectContaining({ stale: true }),
      expect.objectContaining({ stale: true }),
    ]);
  });

  it('should extend the lease of messages whose claim holds', async () => {
    const [a, b] = [await pending(), await pending()];
    const claimed = await h.checkBackClaims.claim(10, 200, [a.id, b.id]);
    await h.checkBackClaims.extendLease(
      claimed.filter((m) => m.id === a.id),
      60_000,
    );
    await sleep(300);
    // b's short lease ran out; a's was extended.
    const due = (await h.checkBackClaims.claim(100, 60_000)).map((m) => m.id);
    expect(due.filter((id) => id === a.id || id === b.id)).toEqual([b.id]);
  });
});
