import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TWO_POW_40 = 2 ** 40;
const POOL_SIZE = 4096;

/** `n` (below 32^length) in Crockford base32, most significant first, zero-padded. */
function encode(n: number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out = ALPHABET[n % 32] + out;
    n = Math.floor(n / 32);
  }
  return out;
}

/**
 * Monotonic ULIDs: 48 bits of milliseconds and 80 random bits, 26 characters that sort in the
 * order they were made. Within one millisecond (or if the clock steps back) the random part of
 * the previous id is incremented instead of drawn again, as the ULID spec's monotonic mode says.
 * Random bytes are drawn from the OS in pools, not per character.
 */
export class UlidFactory {
  private lastTime = -1;
  /** The 80 random bits as two 40-bit halves. */
  private high = 0;
  private low = 0;
  private readonly pool = Buffer.allocUnsafe(POOL_SIZE);
  private offset = POOL_SIZE;

  next(now: number = Date.now()): string {
    if (now <= this.lastTime) {
      this.low++;
      if (this.low === TWO_POW_40) {
        this.low = 0;
        this.high++;
        if (this.high === TWO_POW_40) throw new Error('ULID random part overflowed');
      }
    } else {
      this.lastTime = now;
      if (this.offset + 10 > POOL_SIZE) {
        randomFillSync(this.pool);
        this.offset = 0;
      }
      this.high = this.pool.readUIntBE(this.offset, 5);
      this.low = this.pool.readUIntBE(this.offset + 5, 5);
      this.offset += 10;
    }
    return encode(this.lastTime, 10) + encode(this.high, 8) + encode(this.low, 8);
  }
}
