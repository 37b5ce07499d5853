import { automock, unitConfig } from '../../../../test/support/unit';
import { JobQueue } from '../queue/job-queue';
import { AfterCommit } from '../state/after-commit';
import { DeliveryDispatcher, MAX_PENDING_HAND_OFFS } from './delivery-dispatcher';
import { DeliveryTrigger, MAX_QUEUED_HAND_OFFS } from './delivery-trigger';
import { DeliveryService } from './delivery.service';

const until = async (done: () => boolean) => {
  for (let i = 0; i < 1000 && !done(); i++) await new Promise((r) => setImmediate(r));
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
    // Four batches of 100 are in flight; the rest wait, up to the bound.
    expect(delivery.deliverIds).toHaveBeenCalledTimes(4);
    expect(sut.waiting).toBe(MAX_PENDING_HAND_OFFS);
    const closing = sut.beforeApplicationShutdown();
    release();
    await closing;
  });

  it(`${DeliveryDispatcher.name} should claim what it left to MySQL as soon as it has room again`, async () => {
    const delivery = automock<DeliveryService>('deliverIds', 'deliverDue');
    let release!: () => void;
    const mqBack = new Promise<void>((r) => (release = r));
    delivery.deliverIds.mockImplementation(async (ids) => {
      await mqBack;
      return ids.length;
    });
    // MySQL holds 250 of the ids the dispatcher had no room for: two full batches, then the rest.
    let dueInMySql = 250;
    delivery.deliverDue.mockImplementation((limit = 100) => {
      const n = Math.min(limit, dueInMySql);
      dueInMySql -= n;
      return Promise.resolve(n);
    });
    const sut = new DeliveryDispatcher(delivery);
    for (let i = 0; i < MAX_PENDING_HAND_OFFS + 650; i += 100) {
      sut.schedule(Array.from({ length: 100 }, (_, j) => `id-${i + j}`));
    }
    expect(delivery.deliverDue).not.toHaveBeenCalled();
    release();
    await until(() => dueInMySql === 0 && sut.waiting === 0);
    // Without waiting for a sweep: the overflow is claimed from MySQL until a claim comes back short.
    expect(delivery.deliverDue).toHaveBeenCalledTimes(3);
    await sut.beforeApplicationShutdown();
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
});
