import { createHmac, timingSafeEqual } from 'node:crypto';

/** Headers of a check-back request (service → business). */
export const CHECK_BACK_HEADERS = {
  producer: 'x-rms-producer',
  timestamp: 'x-rms-timestamp',
  signature: 'x-rms-signature',
} as const;

/** How far a check-back's timestamp may be from the receiver's clock by default: 5 minutes. */
export const DEFAULT_REPLAY_WINDOW_MS = 5 * 60 * 1000;

/**
 * The signature of a check-back request: `v1=<hex HMAC-SHA256(secret, timestamp + "\n" + method
 * + "\n" + target)>`, where `target` is the request target exactly as sent on the wire
 * (`/path?query`, no re-encoding).
 */
export function signCheckBack(
  secret: string,
  timestamp: number | string,
  method: string,
  target: string,
): string {
  const mac = createHmac('sha256', secret)
    .update(`${timestamp}\n${method.toUpperCase()}\n${target}`)
    .digest('hex');
  return `v1=${mac}`;
}

export interface VerifyCheckBackInput {
  secret: string;
  method: string;
  /** The request target as received: path and query (`req.url` in Node). */
  target: string;
  /** The `X-RMS-Timestamp` header. */
  timestamp: string | undefined;
  /** The `X-RMS-Signature` header. */
  signature: string | undefined;
  /** Accepted clock difference (both ways); default 5 minutes. */
  replayWindowMs?: number;
  now?: number;
}

export type VerifyCheckBackResult =
  | { ok: true }
  | {
      ok: false;
      reason: 'missing headers' | 'bad timestamp' | 'stale timestamp' | 'bad signature';
    };

/**
 * Verifies a check-back request on the business side: a correct signature over a timestamp within
 * the replay window. Compares in constant time.
 */
export function verifyCheckBack(input: VerifyCheckBackInput): VerifyCheckBackResult {
  if (!input.timestamp || !input.signature) return { ok: false, reason: 'missing headers' };
  if (!/^\d{1,16}$/.test(input.timestamp)) return { ok: false, reason: 'bad timestamp' };
  const now = input.now ?? Date.now();
  if (
    Math.abs(now - Number(input.timestamp)) > (input.replayWindowMs ?? DEFAULT_REPLAY_WINDOW_MS)
  ) {
    return { ok: false, reason: 'stale timestamp' };
  }
  const expected = Buffer.from(
    signCheckBack(input.secret, input.timestamp, input.method, input.target),
  );
  const given = Buffer.from(input.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, reason: 'bad signature' };
  }
  return { ok: true };
}

/** The answers a business gives to a check-back (`200 {"status": …}`). */
export type CheckBackAnswer = 'COMMITTED' | 'ROLLED_BACK' | 'UNKNOWN';
