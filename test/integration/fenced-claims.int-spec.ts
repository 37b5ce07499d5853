import { MessageStatus } from '@app/contracts';
import { MqDriver, MqReceipt, MqSendError, OutgoingMessage } from '@app/mq';
import { AlertService } from '../../apps/message-service/src/alerts/alert.service';
import { AppConfig } from '../../apps/message-service/src/config/app-config';
import { loadConfig } from '../../apps/message-service/src/config/load-config';
import { DeliveryService } from '../../apps/message-service/src/delivery/delivery.service';
import { DeliveryCompletions } from '../../apps/message-service/src/state/delivery-completions';
import { aNewMessage } from '../factories/new-message.factory';
import { startState, StateHarness } from '../support/state-db';
import { sleep } from '../support/wait';

/** An MQ that records every send and answers each with the next scripted result. */
class ScriptedMq implements MqDriver {
  readonly name = 'scripted';
  readonly sends: OutgoingMessage[] = [];
  constructor(private readonly script: (n: number) => MqReceipt | MqSendError) {}
  start = () => Promise.resolve();
  stop = () => Promise.resolve();
  ping = () => Promise.resolve(true);
  send(message: OutgoingMessage): Promise<MqReceipt> {
    this.sends.push(message);
    const result = this.script(this.sends.length);
    return result instanceof Error ? Promise.reject(result) : Promise.resolve(result);
  }
}

/** A gate: `wait()` resolves once `open()` was called. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, wait: () => opened };
}

/**
 * Two workers deliver the same message when the first one's completion is held past its lease
 * (a GC pause, a full connection pool, lock waits): fencing makes the second worker's outcome the
 * one that counts, and the first one's a stale attempt on the timeline.
 */
describe('Fenced claims (integration)', () => {
  const LEASE_MS = 3_000;
  let h: StateHarness;
  let config: AppConfig;

  beforeAll(async () => {
    h = await startState('fenced_claims');
    config = loadConfig({
      CLAIM_TIMEOUT_MS: String(LEASE_MS),
      RETRY_BASE_MS: '1',
      RETRY_MAX_MS: '1',
      DELIVERY_MAX_ATTEMPTS: '5',
      ADMIN_TOKEN: 'fenced-claims-admin-token',
    });
  });

  afterAll(() => h.close());

  /** A worker: the real DeliveryService on the shared database, its completions held by `hold`. */
  function worker(mq: MqDriver, hold?: () => Promise<void>): DeliveryService {
    const completions = {
      complete: async (outcomes) => {
        await hold?.();
        return h.completions.complete(outcomes);
      },
    } as Pick<DeliveryCompletions, 'complete'> as DeliveryCompletions;
    const alerts = { raise: () => undefined } as unknown as AlertService;
    return new DeliveryService(h.deliveryClaims, completions, mq, config, h.metrics, alerts);
  }

  async function aConfirmedMessage(): Promise<string> {
    const [m] = await h.producer.prepare([aNewMessage({ producerId: 'p-fenced' })]);
    return m.id;
  }

  const attempts = async (id: string) =>
    (await h.reads.timeline(id)).filter((e) => e.type === 'DELIVERY_ATTEMPT').map((e) => e.detail);

  it.each([
    ['retry', new MqSendError('broker busy', false)],
    ['failed', new MqSendError('topic not found', true)],
  ])(
    'should keep the second worker’s SENT when the first one’s stale %s outcome lands while it sends',
    async (_, firstError) => {
      const id = await aConfirmedMessage();
      const mq = new ScriptedMq((n) => (n === 1 ? firstError : { messageId: `mq-${n}` }));
      const holdA = gate();
      const holdB = gate();
      const a = worker(mq, holdA.wait);
      const b = worker(mq, holdB.wait);

      // A claims and sends (the send fails); its completion is held past the lease.
      const aDone = a.deliverIds([id]);
      await sleep(LEASE_MS + 200);
      // B claims the message again and sends it; its completion is held too.
      const bDone = b.deliverIds([id]);
      await waitForSends(mq, 2);
      // A's stale outcome lands while B's send is in flight.
      holdA.open();
      expect(await aDone).toBe(1);
      // Neither A's retry (due at once) nor A's FAILED let anybody else claim or decide.
      expect(await worker(mq).deliverIds([id])).toBe(0);
      expect((await h.reads.findById(id))!.status).toBe(MessageStatus.CONFIRMED);
      holdB.open();
      expect(await bDone).toBe(1);

      const after = (await h.reads.findById(id))!;
      expect(after).toMatchObject({
        status: MessageStatus.SENT,
        mqMessageId: 'mq-2',
        failMsg: null,
      });
      expect(mq.sends).toHaveLength(2);
      expect(await attempts(id)).toEqual([
        expect.objectContaining({ attempt: 1, ok: false, stale: true }),
        expect.objectContaining({ attempt: 2, ok: true, mqMessageId: 'mq-2' }),
      ]);
      expect((await attempts(id))[1]).not.toHaveProperty('stale');
      const types = (await h.reads.timeline(id)).map((e) => e.type);
      expect(types).not.toContain('FAILED');
    },
  );

  it('should record a stale SENT without overwriting the receipt of the claim that holds', async () => {
    const id = await aConfirmedMessage();
    const mq = new ScriptedMq((n) => ({ messageId: `mq-${n}` }));
    const holdA = gate();
    const aDone = worker(mq, holdA.wait).deliverIds([id]);
    await sleep(LEASE_MS + 200);
    expect(await worker(mq).deliverIds([id])).toBe(1);
    holdA.open();
    await aDone;
    expect(await h.reads.findById(id)).toMatchObject({
      status: MessageStatus.SENT,
      mqMessageId: 'mq-2',
    });
    expect(await attempts(id)).toEqual([
      expect.objectContaining({ attempt: 2, ok: true, mqMessageId: 'mq-2' }),
      expect.objectContaining({ attempt: 1, ok: true, mqMessageId: 'mq-1', stale: true }),
    ]);
  });

  it('should apply only the answer of the check-back claim that still holds', async () => {
    const [m] = await h.producer.prepare([
      aNewMessage({ producerId: 'p-fenced', status: MessageStatus.PENDING, checkBackDelayMs: 0 }),
    ]);
    const [first] = await h.checkBackClaims.claim(10, 300, [m.id]);
    expect(first).toBeDefined();
    // Still leased: nobody else can claim it.
    expect(await h.checkBackClaims.claim(10, 300, [m.id])).toEqual([]);
    await sleep(400);
    const [second] = await h.checkBackClaims.claim(10, 60_000, [m.id]);
    expect(second.claimToken).not.toBe(first.claimToken);

    // The first check-back's late answer (rolled back) changes nothing ...
    expect(
      await h.checkBackClaims.record(first, {
        kind: 'cancel',
        reason: 'rolled back',
        detail: { attempt: 1, answer: 'ROLLED_BACK' },
      }),
    ).toBe(false);
    expect((await h.reads.findById(m.id))!.status).toBe(MessageStatus.PENDING);
    // ... the second one's (committed) decides.
    expect(
      await h.checkBackClaims.record(second, {
        kind: 'confirm',
        detail: { attempt: 1, answer: 'COMMITTED' },
      }),
    ).toBe(true);
    const after = (await h.reads.findById(m.id))!;
    expect(after.status).toBe(MessageStatus.CONFIRMED);
    expect(after.checkBackCount).toBe(1);
    const timeline = (await h.reads.timeline(m.id)).map((e) => [e.type, e.detail?.stale ?? false]);
    expect(timeline).toEqual([
      ['PREPARED', false],
      ['CHECK_BACK', true],
      ['CHECK_BACK', false],
      ['CONFIRMED', false],
    ]);
  });
});

async function waitForSends(mq: ScriptedMq, n: number): Promise<void> {
  for (let i = 0; i < 200 && mq.sends.length < n; i++) await sleep(10);
  expect(mq.sends).toHaveLength(n);
}
