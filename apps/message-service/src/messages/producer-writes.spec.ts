import { MessageStatus } from '@app/contracts';
import { aNewMessage } from '../../../../test/factories/new-message.factory';
import { automock } from '../../../../test/support/unit';
import { Message, NewMessage } from '../state/message';
import { ProducerTransitions } from '../state/producer-transitions';
import { MAX_IN_FLIGHT } from '../common/group-commit';
import { ProducerWrites } from './producer-writes';

const stored = (m: NewMessage): Message =>
  ({ ...m, status: m.status, failMsg: null, seq: null }) as unknown as Message;

describe(ProducerWrites.name, () => {
  let transitions: jest.Mocked<ProducerTransitions>;
  let sut: ProducerWrites;
  let release: () => void;

  beforeEach(() => {
    transitions = automock<ProducerTransitions>('prepare', 'confirm');
    const held = new Promise<void>((r) => (release = r));
    // Prepares of producer "held" wait, filling the writes a group commit runs at once, so that
    // what comes next is written together.
    transitions.prepare.mockImplementation(async (group) => {
      if (group.some((m) => m.producerId === 'held')) await held;
      if (group.length > 1 && group.some((m) => m.msgLogId === 'bad')) {
        throw Object.assign(new Error("Data too long for column 'properties'"), { errno: 1406 });
      }
      if (group.length === 1 && group[0].msgLogId === 'bad') {
        throw Object.assign(new Error("Data too long for column 'properties'"), { errno: 1406 });
      }
      return group.map(stored);
    });
    sut = new ProducerWrites(transitions);
  });

  const fill = () =>
    Array.from({ length: MAX_IN_FLIGHT }, () => sut.prepare(aNewMessage({ producerId: 'held' })));

  it("should write each member alone when one member's row fails the group", async () => {
    const held = fill();
    const queued = Promise.allSettled(
      ['a', 'bad', 'c'].map((msgLogId) =>
        sut.prepare(aNewMessage({ msgLogId, status: MessageStatus.PENDING })),
      ),
    );
    release();
    await Promise.all(held);
    const results = await queued;
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    // The group, then each member alone.
    expect(transitions.prepare.mock.calls.slice(MAX_IN_FLIGHT).map((c) => c[0].length)).toEqual([
      3, 1, 1, 1,
    ]);
  });

  it('should confirm each member alone when a group of confirms fails', async () => {
    let releaseConfirms!: () => void;
    const gate = new Promise<void>((r) => (releaseConfirms = r));
    transitions.confirm.mockImplementation(async (group) => {
      if (group.some((r) => r.id.startsWith('held'))) await gate;
      if (group.length > 1) throw new Error('Deadlock found when trying to get lock; gave up');
      return [{ changed: true }];
    });
    const held = Array.from({ length: MAX_IN_FLIGHT }, (_, i) =>
      sut.confirm({ id: `held-${i}`, producerId: 'p' }),
    );
    const queued = Promise.allSettled(
      ['a', 'b', 'c'].map((id) => sut.confirm({ id, producerId: 'p' })),
    );
    releaseConfirms();
    await Promise.all(held);
    expect((await queued).map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(transitions.confirm.mock.calls.slice(MAX_IN_FLIGHT).map((c) => c[0].length)).toEqual([
      3, 1, 1, 1,
    ]);
  });

  it('should fail the whole group without retries when the store is unreachable', async () => {
    transitions.prepare.mockImplementation(() =>
      Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
    );
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => sut.prepare(aNewMessage())),
    );
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    // Each message was tried once: no member of a failed group was written again alone.
    const tried = transitions.prepare.mock.calls.flatMap((c) => c[0].map((m) => m.id));
    expect(new Set(tried).size).toBe(8);
    expect(tried).toHaveLength(8);
  });
});
