import type { IsolationLevel } from 'typeorm/driver/types/IsolationLevel';

/**
 * Every transaction of the service runs at READ COMMITTED. Status changes are compare-and-set
 * updates, which need no repeatable reads; and under REPEATABLE READ the claim's
 * `FOR UPDATE SKIP LOCKED` range scan takes gap locks that block concurrent inserts of new
 * messages and deadlock with them.
 */
export const ISOLATION: IsolationLevel = 'READ COMMITTED';

/** True for an error meaning "this transaction lost a lock conflict; running it again may work". */
export function isLockConflict(error: unknown): boolean {
  const e = error as { errno?: unknown; driverError?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.errno === 1213 || e.errno === 1205) return true; // ER_LOCK_DEADLOCK, ER_LOCK_WAIT_TIMEOUT
  return e.driverError !== undefined && isLockConflict(e.driverError);
}

/** Runs a transaction again, up to `attempts` times in all, when it loses a deadlock. */
export async function retryOnDeadlock<T>(run: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= attempts || !isLockConflict(error)) throw error;
      await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 10));
    }
  }
}
