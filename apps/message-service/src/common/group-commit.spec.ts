import { GroupCommit, MAX_BATCH, MAX_IN_FLIGHT } from './group-commit';

const duplicate = Object.assign(new Error('duplicate'), { duplicate: true });

/** Inputs below zero are held until `release` resolves; the rest are written at once. */
function heldWrites(release: Promise<void>, write: (inputs: number[]) => Promise<number[]>) {
  const calls: number[][] = [];
  const many = async (inputs: number[]) => {
    calls.push(inputs);
    if (inputs.some((i) => i < 0)) await release;
    return write(inputs);
  };
  return { many, calls };
}

/** The held inputs that fill the transactions a GroupCommit runs at once. */
const HELD = Array.from({ length: MAX_IN_FLIGHT }, (_, i) => -(i + 1));
/** Fills the transactions a GroupCommit runs at once with held writes. */
const occupy = (commit: GroupCommit<number, number>) =>
  Promise.all(HELD.map((i) => commit.write(i)));

describe(GroupCommit.name, () => {
  it('should write the inputs that queue while others are in flight together, answering each with its own output', async () => {
    let release!: () => void;
    const { many, calls } = heldWrites(new Promise((r) => (release = r)), (inputs) =>
      Promise.resolve(inputs.map((i) => i * 10)),
    );
    const commit = new GroupCommit(many);
    const held = occupy(commit);
    const queued = Promise.all([1, 2, 3].map((i) => commit.write(i)));
    release();
    expect(await queued).toEqual([10, 20, 30]);
    expect(await held).toEqual(HELD.map((i) => i * 10));
    expect(calls).toEqual([...HELD.map((i) => [i]), [1, 2, 3]]);
  });

  it(`should never write more than ${MAX_BATCH} together nor run more than ${MAX_IN_FLIGHT} at once`, async () => {
    let running = 0;
    let most = 0;
    const sizes: number[] = [];
    const commit = new GroupCommit(async (inputs: number[]) => {
      sizes.push(inputs.length);
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return inputs;
    });
    const inputs = Array.from({ length: 500 }, (_, i) => i);
    expect(await Promise.all(inputs.map((i) => commit.write(i)))).toEqual(inputs);
    expect(Math.max(...sizes)).toBe(MAX_BATCH);
    expect(most).toBe(MAX_IN_FLIGHT);
  });

  it('should write each input alone after a shared write failed with a retryable error', async () => {
    let release!: () => void;
    const { many } = heldWrites(new Promise((r) => (release = r)), (inputs) =>
      inputs.length > 1 ? Promise.reject(duplicate) : Promise.resolve(inputs.map((i) => i * 10)),
    );
    const single = jest.fn((i: number) =>
      i === 2 ? Promise.reject(new Error('conflict 2')) : Promise.resolve(i * 10),
    );
    const commit = new GroupCommit(many, { retryWhen: (e) => e === duplicate, write: single });
    const held = occupy(commit);
    const queued = Promise.allSettled([1, 2, 3].map((i) => commit.write(i)));
    release();
    await held;
    expect(await queued).toEqual([
      { status: 'fulfilled', value: 10 },
      { status: 'rejected', reason: new Error('conflict 2') },
      { status: 'fulfilled', value: 30 },
    ]);
    expect(single.mock.calls.map(([i]) => i)).toEqual([1, 2, 3]);
  });

  it('should fail every member of a group on an error that writing alone would not cure', async () => {
    let release!: () => void;
    const { many } = heldWrites(new Promise((r) => (release = r)), (inputs) =>
      inputs.some((i) => i < 0) ? Promise.resolve(inputs) : Promise.reject(new Error('down')),
    );
    const single = jest.fn();
    const commit = new GroupCommit(many, { retryWhen: (e) => e === duplicate, write: single });
    const held = occupy(commit);
    const queued = Promise.allSettled([1, 2, 3].map((i) => commit.write(i)));
    release();
    await held;
    expect((await queued).map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(single).not.toHaveBeenCalled();
  });
});
