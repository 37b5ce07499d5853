/**
 * Delay before retry number `attempt` (1 = the first retry): `baseMs` doubling per attempt, with
 * ±20 % jitter so that a burst of failures does not retry in lockstep, capped at `maxMs`.
 */
export function backoffMs(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 40);
  const raw = Math.min(baseMs * 2 ** exponent, maxMs);
  const jitter = 1 + (random() * 2 - 1) * 0.2;
  return Math.max(1, Math.min(Math.round(raw * jitter), maxMs));
}
