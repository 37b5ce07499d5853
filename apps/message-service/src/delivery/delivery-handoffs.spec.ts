import { automock, unitConfig } from '../../../../test/support/unit';
import { JobQueue } from '../queue/job-queue';
import { AfterCommit } from '../state/after-commit';
import { ClaimedMessage, DueClaim } from '../state/delivery-claims';
import {
  DeliveryDispatcher,
  DRAIN_BATCH_SIZE,
  DRAIN_IN_FLIGHT,
  MAX_CONCURRENT_BATCHES,
  MAX_PENDING_HAND_OFFS,
} from './delivery-dispatcher';
import { MAX_CLAIMED_SENDING, MAX_CLAIMED_WAITING } from './claimed-batches';
import { DeliveryTrigger, MAX_QUEUED_HAND_OFFS } from './delivery-trigger';
import { DELIVERY_BATCH_SIZE, DeliveryService } from './delivery.service';

const until = async (done: () => boolean) => {
  for (const deadline = Date.now() + 5000; !done() && Date.now() < deadline;) {
    await new Promise((r) => setTimeout(r, 1));
  }
};

describe('delivery hand-offs while delivery cannot keep up', () => {
  it(`${DeliveryDispatcher.name} should hold at most ${MAX_PENDING_HAND_OFFS} ids and leave the rest to the sweep`, async () => {
    const delivery = automock<DeliveryService>('deliverIds');
    // The MQ hangs: no batch finishes until the end of the test.
    let release!: () => void;
    delivery.deliverIds.mockReturnValue(new Promise((r) => (release = () => r(0))));
    const sut = new DeliveryDispatcher(delivery);
    for (let i = 0; i < 50_000; i += 100) {
      sut.schedule(Array.from({ length: 100 }, (_, j) => `id-${i + j}`));
    }
    // MAX_CONCURRENT_BATCHES batches of 100 are in flight; the rest wait, up to the bound.
    expect(delivery.deliverIds).toHaveBeenCalledTimes(MAX_CONCURRENT_BATCHES);
    expect(sut.waiting).toBe(MAX_PENDING_HAND_OFFS);
    const closing = sut.beforeApplicationShutdown();
    release();
    await closing;
  });

  /**
   * A DeliveryService whose MySQL holds `due` due messages, claimed DRAIN_BATCH_SIZE at most;
   * `held(claim)`: how many of that claim's candidates another claim holds (passed over).
   */
  function mysqlHolding(due: number, held: (claim: number) => number = () => 0) {
    const delivery = automock<DeliveryService>('deliverIds', 'claimDue', 'attempt');
    const state = { due, attempting: 0, mostAttempting: 0, claims: 0 };
    delivery.claimDue.mockImplementation((limit) => {
      // A drain that never stops would starve the test's timers: it fails instead.
      if (state.claims >= 1000) return Promise.reject(new Error('claims without end'));
      const candidates = Math.min(limit, state.due);
      const n = Math.max(0, candidates - held(++state.claims));
      state.due -= n;
      return Promise.resolve({
        messages: Array.from({ length: n }, () => ({}) as ClaimedMessage),
        more: candidates >= limit,
      });
    });
    delivery.attempt.mockImplementation(async () => {
      state.attempting++;
      state.mostAttempting = Math.max(state.mostAttempting, state.attempting);
      await new Promise((r) => setTimeout(r, 5));
      state.attempting--;
    });
    return { delivery, state };
  }

  /** Confirms past MAX_PENDING_HAND_OFFS while the MQ hangs, then the MQ back: the dispatcher. */
  function overflowWhileMqHangs(delivery: jest.Mocked<DeliveryService>): DeliveryDispatcher {
    let release!: () => void;
    const mqBack = new Promise<void>((r) => (release = r));
    delivery.deliverIds.mockImplementation(async (ids) => {
      await mqBack;
      return ids.length;
    });
    const sut = new DeliveryDispatcher(delivery);
    for (let i = 0; i < MAX_PENDING_HAND_OFFS + 650; i += 100) {
      sut.schedule(Array.from({ length: 100 }, (_, j) => `id-${i + j}`));
    }
    release();
    return sut;
  }

  it(`${DeliveryDispatcher.name} should claim what it left to MySQL as soon as it has room again`, async () => {
    const { delivery, state } = mysqlHolding(2 * DRAIN_BATCH_SIZE + 250);
    const sut = overflowWhileMqHangs(delivery);
    await until(() => state.due === 0 && sut.waiting === 0);
    // Without waiting for a sweep: claimed from MySQL until a claim finds fewer than it asks for.
    expect(delivery.claimDue).toHaveBeenCalledTimes(3);
    await sut.beforeApplicationShutdown();
  });

  it(`${DeliveryDispatcher.name} should go on claiming what it left to MySQL when a claim passes over rows another claim holds`, async () => {
    // The first claims' oldest candidates are being claimed by batches of ids meanwhile.
    const { delivery, state } = mysqlHolding(3 * DRAIN_BATCH_SIZE + 100, (claim) =>
      claim <= 2 ? 200 : 0,
    );
    const sut = overflowWhileMqHangs(delivery);
    await until(() => state.due === 0 && sut.waiting === 0);
    expect(state.due).toBe(0);
    await sut.beforeApplicationShutdown();
  });

  it(`${DeliveryDispatcher.name} should stop draining when a claim can take none of its candidates`, async () => {
    // Every candidate is held by other claims (theirs to send): no busy loop over them.
    const { delivery } = mysqlHolding(5 * DRAIN_BATCH_SIZE, () => DRAIN_BATCH_SIZE);
    const sut = new DeliveryDispatcher(delivery);
    expect(await sut.sweep()).toBe(0);
    await new Promise((r) => setTimeout(r, 20));
    expect(delivery.claimDue).toHaveBeenCalledTimes(1);
    await sut.beforeApplicationShutdown();
  });

  it(`${DeliveryDispatcher.name} should drain a backlog in one sweep, several batches in flight`, async () => {
    const { delivery, state } = mysqlHolding(7 * DRAIN_BATCH_SIZE + 200);
    const sut = new DeliveryDispatcher(delivery);
    expect(await sut.sweep()).toBe(7 * DRAIN_BATCH_SIZE + 200);
    expect(delivery.claimDue).toHaveBeenCalledTimes(8);
    expect(state.mostAttempting).toBe(DRAIN_IN_FLIGHT);
    await sut.beforeApplicationShutdown();
    expect(state.attempting).toBe(0);
  });

  it(`${DeliveryTrigger.name} should wait on at most ${MAX_QUEUED_HAND_OFFS} job-queue adds while Redis is down`, () => {
    const queue = automock<JobQueue>('handOff');
    queue.handOff.mockReturnValue(new Promise(() => undefined)); // Redis down: never acknowledged
    const sut = new DeliveryTrigger(
      automock<AfterCommit>('onConfirmed'),
      automock<DeliveryDispatcher>('schedule'),
      queue,
      unitConfig({ ROLE: 'api' }),
    );
    for (let i = 0; i < 5_000; i++) sut.confirmed([`id-${i}`]);
    expect(queue.handOff).toHaveBeenCalledTimes(MAX_QUEUED_HAND_OFFS);
  });

  const claimedMessages = (n: number, from = 0) =>
    Array.from(
      { length: n },
      (_, i) => ({ id: `c-${from + i}`, body: Buffer.alloc(10) }) as ClaimedMessage,
    );

  it(`${DeliveryDispatcher.name} should send messages claimed on write in batches, without a claim of their own`, async () => {
    const delivery = automock<DeliveryService>('deliverIds', 'claimDue', 'attempt');
    const batches: number[] = [];
    delivery.attempt.mockImplementation(async (claimed) => {
      batches.push(claimed.length);
      await new Promise((r) => setTimeout(r, 5));
    });
    const sut = new DeliveryDispatcher(delivery);
    sut.deliverClaimed(claimedMessages(30));
    sut.deliverClaimed(claimedMessages(250, 30));
    await until(() => sut.waiting === 0 && batches.reduce((a, b) => a + b, 0) === 280);
    expect(batches.every((n) => n <= DELIVERY_BATCH_SIZE)).toBe(true);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(280);
    expect(delivery.deliverIds).not.toHaveBeenCalled();
    expect(delivery.claimDue).not.toHaveBeenCalled();
    await sut.beforeApplicationShutdown();
  });

  it(`${DeliveryDispatcher.name} should send claimed messages while a drain holds every other slot`, async () => {
    const { delivery } = mysqlHolding(0);
    let release!: () => void;
    const mqBack = new Promise<void>((r) => (release = r));
    delivery.claimDue.mockResolvedValue({
      messages: claimedMessages(DRAIN_BATCH_SIZE),
      more: true,
    });
    delivery.attempt.mockImplementation(async (batch) => {
      if (batch.length === DRAIN_BATCH_SIZE) await mqBack; // the drain's sends hang
    });
    const sut = new DeliveryDispatcher(delivery);
    void sut.sweep();
    await until(() => delivery.attempt.mock.calls.length === DRAIN_IN_FLIGHT);
    sut.deliverClaimed(claimedMessages(3, 9_000));
    await until(() => delivery.attempt.mock.calls.some(([b]) => b.length === 3));
    expect(delivery.attempt.mock.calls.map(([b]) => b.length)).toContain(3);
    delivery.claimDue.mockResolvedValue({ messages: [], more: false });
    release();
    await sut.beforeApplicationShutdown();
  });

  it(`${DeliveryDispatcher.name} should not let batches claimed on write hold back hand-offs by id`, async () => {
    const delivery = automock<DeliveryService>('deliverIds', 'attempt');
    delivery.attempt.mockReturnValue(new Promise(() => undefined)); // the claimed sends hang
    delivery.deliverIds.mockResolvedValue(1);
    const sut = new DeliveryDispatcher(delivery);
    sut.deliverClaimed(claimedMessages(1));
    for (let i = 1; i < MAX_CLAIMED_SENDING; i++)
      sut.deliverClaimed(claimedMessages(DELIVERY_BATCH_SIZE, 1 + (i - 1) * DELIVERY_BATCH_SIZE));
    expect(delivery.attempt).toHaveBeenCalledTimes(MAX_CLAIMED_SENDING);
    sut.schedule(['id-1']);
    await until(() => delivery.deliverIds.mock.calls.length === 1);
    expect(delivery.deliverIds).toHaveBeenCalledWith(['id-1']);
  });

  it(`${DeliveryDispatcher.name} should wait at shutdown for a drain's claim under way, and claim no more`, async () => {
    const delivery = automock<DeliveryService>('deliverIds', 'claimDue', 'attempt');
    let claimedNow!: (claim: DueClaim) => void;
    delivery.claimDue.mockReturnValueOnce(new Promise((r) => (claimedNow = r)));
    let attempted = false;
    delivery.attempt.mockImplementation(async () => {
      await new Promise((r) => setTimeout(r, 5));
      attempted = true;
    });
    const sut = new DeliveryDispatcher(delivery);
    void sut.sweep();
    await until(() => delivery.claimDue.mock.calls.length === 1);
    const closing = sut.beforeApplicationShutdown();
    claimedNow({ messages: claimedMessages(DRAIN_BATCH_SIZE), more: true });
    await closing;
    // The rows it had claimed were sent before the shutdown ended, and nothing more was claimed.
    expect(attempted).toBe(true);
    expect(delivery.claimDue).toHaveBeenCalledTimes(1);
  });

  it(`${DeliveryDispatcher.name} should end a sweep's drain at the first hook of the stop, before the job workers wait for it`, async () => {
    const { delivery, state } = mysqlHolding(20 * DRAIN_BATCH_SIZE);
    const sut = new DeliveryDispatcher(delivery);
    const sweep = sut.sweep();
    await until(() => state.claims >= 2);
    sut.onModuleDestroy();
    const claimsAtStop = state.claims;
    // The sweep's job ends on its own: the workers that wait for it close before this module.
    await sweep;
    expect(state.claims).toBe(claimsAtStop);
    expect(state.due).toBeGreaterThan(10 * DRAIN_BATCH_SIZE);
    await sut.beforeApplicationShutdown();
  });

  it(`${DeliveryDispatcher.name} should offer room for claims on write within both bounds, and none once closing`, async () => {
    const delivery = automock<DeliveryService>('deliverIds', 'attempt');
    let release!: () => void;
    const mqBack = new Promise<void>((r) => (release = r));
    delivery.attempt.mockReturnValue(mqBack);
    delivery.deliverIds.mockReturnValue(mqBack.then(() => 0));
    const sut = new DeliveryDispatcher(delivery);
    expect(sut.room()).toBe(MAX_CLAIMED_WAITING);
    // MAX_CLAIMED_SENDING batches go; the rest waits for a free slot.
    sut.deliverClaimed(claimedMessages(MAX_CLAIMED_SENDING * DELIVERY_BATCH_SIZE + 300));
    expect(sut.room()).toBe(MAX_CLAIMED_WAITING - 300);
    for (let i = 0; i < MAX_PENDING_HAND_OFFS + 300; i += 100) {
      sut.schedule(Array.from({ length: 100 }, (_, j) => `id-${i + j}`));
    }
    expect(sut.room()).toBe(0);
    // Closing sends what was claimed (left waiting, it would wait out its lease).
    const closing = sut.beforeApplicationShutdown();
    release();
    await closing;
    const sent = delivery.attempt.mock.calls.reduce((n, [batch]) => n + batch.length, 0);
    expect(sent).toBe(MAX_CLAIMED_SENDING * DELIVERY_BATCH_SIZE + 300);
  });

  it.each([
    ['all', 1],
    ['worker', 1],
    ['api', 0],
  ])(
    `${DeliveryTrigger.name} with ROLE=%s should let writes claim for delivery here %i time(s)`,
    (role, times) => {
      const afterCommit = automock<AfterCommit>('onConfirmed', 'onClaimOnWrite');
      new DeliveryTrigger(
        afterCommit,
        automock<DeliveryDispatcher>('schedule'),
        automock<JobQueue>('handOff'),
        unitConfig({ ROLE: role }),
      ).onModuleInit();
      expect(afterCommit.onClaimOnWrite).toHaveBeenCalledTimes(times);
    },
  );
});
