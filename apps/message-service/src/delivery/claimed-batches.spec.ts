import { ClaimedMessage } from '../state/delivery-claims';
import {
  ClaimedBatches,
  GATHER_CAP_MS,
  MAX_CLAIMED_BYTES,
  MAX_CLAIMED_SENDING,
  MAX_CLAIMED_WAITING,
  MIN_CLAIMED_SENDING,
} from './claimed-batches';
import { DELIVERY_BATCH_SIZE } from './delivery.service';

const messages = (n: number, bodyBytes = 10) =>
  Array.from(
    { length: n },
    (_, i) => ({ id: `c-${i}`, body: Buffer.alloc(bodyBytes) }) as ClaimedMessage,
  );

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(ClaimedBatches.name, () => {
  let releases: (() => void)[];
  let batches: number[];
  let sut: ClaimedBatches;

  beforeEach(() => {
    releases = [];
    batches = [];
    sut = new ClaimedBatches((batch) => {
      batches.push(batch.length);
      return new Promise<void>((r) => releases.push(r));
    });
  });

  afterEach(() => {
    sut.close();
    releases.forEach((r) => r());
  });

  it('should send at once when nothing is being sent', () => {
    sut.push(messages(3));
    expect(batches).toEqual([3]);
  });

  it('should gather while a batch is in flight, for at most GATHER_CAP_MS', async () => {
    sut.push(messages(10));
    for (let i = 0; i < 10; i++) sut.push(messages(5));
    expect(batches).toEqual([10]);
    await sleep(GATHER_CAP_MS + 20);
    expect(batches).toEqual([10, 50]);
  });

  it('should not wait for the cap with a full batch, nor start more than MAX_CLAIMED_SENDING', async () => {
    sut.push(messages(1));
    for (let i = 1; i < MAX_CLAIMED_SENDING; i++) sut.push(messages(DELIVERY_BATCH_SIZE));
    expect(batches).toEqual([1, ...Array(MAX_CLAIMED_SENDING - 1).fill(DELIVERY_BATCH_SIZE)]);
    sut.push(messages(DELIVERY_BATCH_SIZE + 5));
    await sleep(GATHER_CAP_MS + 20);
    expect(batches).toHaveLength(MAX_CLAIMED_SENDING);
    expect(sut.length).toBe(DELIVERY_BATCH_SIZE + 5);
    releases[0]();
    await sleep(1);
    expect(batches).toHaveLength(MAX_CLAIMED_SENDING + 1);
    expect(batches.at(-1)).toBe(DELIVERY_BATCH_SIZE);
  });

  it('should start no batch beyond MIN_CLAIMED_SENDING while MAX_CLAIMED_BYTES are being sent', async () => {
    const full = Array(MIN_CLAIMED_SENDING - 1).fill(DELIVERY_BATCH_SIZE);
    sut.push(messages(1, MAX_CLAIMED_BYTES)); // goes at once
    // Full batches go too, up to the minimum...
    for (let i = 1; i < MIN_CLAIMED_SENDING; i++) sut.push(messages(DELIVERY_BATCH_SIZE));
    sut.push(messages(DELIVERY_BATCH_SIZE)); // ...but no more: the bytes being sent are at the bound
    await sleep(GATHER_CAP_MS + 20);
    expect(batches).toEqual([1, ...full]);
    expect(sut.length).toBe(DELIVERY_BATCH_SIZE);
    releases[0](); // the big one is recorded: its bytes are given back
    await sleep(1);
    expect(batches).toEqual([1, ...full, DELIVERY_BATCH_SIZE]);
    sut.push(messages(DELIVERY_BATCH_SIZE)); // beyond the minimum, as the bytes now allow
    expect(batches).toEqual([1, ...full, DELIVERY_BATCH_SIZE, DELIVERY_BATCH_SIZE]);
    expect(MAX_CLAIMED_SENDING).toBeGreaterThan(MIN_CLAIMED_SENDING);
  });

  it('should bound what waits by count and by bytes, and take nothing once closed', () => {
    expect(sut.room()).toBe(MAX_CLAIMED_WAITING);
    // Made first: filling 32 MiB can outlast GATHER_CAP_MS, which would send what waits.
    const big = messages(1, MAX_CLAIMED_BYTES);
    sut.push(messages(1)); // goes at once
    // Full batches go too, until every slot is taken.
    for (let i = 1; i < MAX_CLAIMED_SENDING; i++) sut.push(messages(DELIVERY_BATCH_SIZE));
    sut.push(messages(50)); // waits
    expect(sut.room()).toBe(MAX_CLAIMED_WAITING - 50);
    sut.push(big);
    expect(sut.room()).toBe(0);
    sut.close();
    expect(sut.room()).toBe(0);
    // Closing sends everything that waited, whatever the limits.
    expect(sut.length).toBe(0);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(
      1 + (MAX_CLAIMED_SENDING - 1) * DELIVERY_BATCH_SIZE + 51,
    );
  });
});
