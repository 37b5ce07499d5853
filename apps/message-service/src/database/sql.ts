/** What mysql2 answers to an INSERT, UPDATE or DELETE. */
export interface WriteResult {
  affectedRows: number;
}

/** Lists of up to this many placeholders are kept once made (hot-path statements reuse them). */
const KEPT = 1024;
const kept: string[] = [];

/** `?, ?, ?` for an `IN (…)` list of `n` values. */
export function placeholders(n: number): string {
  if (n > KEPT) return Array.from({ length: n }, () => '?').join(', ');
  return (kept[n] ??= Array.from({ length: n }, () => '?').join(', '));
}

/**
 * The rows picked by id whose `column` holds each id's value, for rows already restricted to
 * those ids (`id IN (…)`): `column = ?` when every id has the same value (one claim's token, one
 * producer's confirms), else one `column = ? AND id IN (…)` per value. Cheaper for the server
 * than a `(id, column) IN ((?, ?), …)` list of pairs.
 */
export function idsWith(
  column: string,
  pairs: { id: string; value: string }[],
): { sql: string; params: string[] } {
  const byValue = new Map<string, string[]>();
  for (const { id, value } of pairs) {
    const ids = byValue.get(value);
    if (ids) ids.push(id);
    else byValue.set(value, [id]);
  }
  if (byValue.size === 0) return { sql: 'FALSE', params: [] };
  if (byValue.size === 1) return { sql: `${column} = ?`, params: [...byValue.keys()] };
  const each = [...byValue.values()].map(
    (ids) => `${column} = ? AND id IN (${placeholders(ids.length)})`,
  );
  return {
    sql: `(${each.join(' OR ')})`,
    params: [...byValue].flatMap(([value, ids]) => [value, ...ids]),
  };
}
