/** What mysql2 answers to an INSERT, UPDATE or DELETE. */
export interface WriteResult {
  affectedRows: number;
}

/** `?, ?, ?` for an `IN (…)` list of `n` values. */
export const placeholders = (n: number): string => Array.from({ length: n }, () => '?').join(', ');
