/** MySQL error numbers and Node socket errors meaning "the store cannot be reached". */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_OPTION_PREVENTS_STATEMENT',
]);

/** True when an error from mysql2/TypeORM means the database could not be used right now. */
export function isStoreUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; driverError?: unknown; fatal?: unknown };
  if (typeof e.code === 'string' && UNAVAILABLE_CODES.has(e.code)) return true;
  if (e.fatal === true) return true;
  if (e.driverError !== undefined) return isStoreUnavailable(e.driverError);
  return false;
}

/** True for a unique-key violation (MySQL 1062). */
export function isDuplicateKey(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; errno?: unknown; driverError?: unknown };
  if (e.code === 'ER_DUP_ENTRY' || e.errno === 1062) return true;
  if (e.driverError !== undefined) return isDuplicateKey(e.driverError);
  return false;
}
