/**
 * The moment a graceful stop must be over (SHUTDOWN_GRACE_MS after the signal), set once by the
 * stop and read by whoever waits during it, so that all waiting together stays within the grace.
 */
let deadline: number | undefined;

/** Starts the clock of a graceful stop. */
export function startShutdownClock(graceMs: number): void {
  deadline = Date.now() + graceMs;
}

/**
 * How long a stage of the stop may still wait: the time left, minus `reserveMs` for what comes
 * after it; `fallbackMs` when no stop is under way (an application closed by a test).
 */
export function remainingGraceMs(fallbackMs: number, reserveMs = 500): number {
  return deadline === undefined ? fallbackMs : Math.max(0, deadline - Date.now() - reserveMs);
}
