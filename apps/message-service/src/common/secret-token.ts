import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** A configured secret token (admin, metrics), compared in constant time. */
export class SecretToken {
  private readonly expected: Buffer;

  constructor(secret: string) {
    this.expected = digest(secret);
  }

  matches(token: string): boolean {
    return timingSafeEqual(digest(token), this.expected);
  }
}
