import { DataSource } from 'typeorm';

export interface Statement {
  sql: string;
  params?: unknown[];
}

/**
 * Runs statements as one READ COMMITTED transaction in a single round trip (a multi-statement
 * query), then the `after` statements (reads) in the same trip. Returns the result of each
 * statement and of each read, in order. If any statement fails, the transaction is rolled back on
 * the same connection before the error is rethrown, so no connection returns to the pool with a
 * transaction open.
 */
export async function transactionInOneTrip(
  db: DataSource,
  statements: Statement[],
  after: Statement[] = [],
): Promise<unknown[]> {
  const all: Statement[] = [
    { sql: 'SET TRANSACTION ISOLATION LEVEL READ COMMITTED' },
    { sql: 'START TRANSACTION' },
    ...statements,
    { sql: 'COMMIT' },
    ...after,
  ];
  const runner = db.createQueryRunner();
  try {
    const results = (await runner.query(
      all.map((s) => s.sql).join(';\n'),
      all.flatMap((s) => s.params ?? []),
    )) as unknown[];
    return results.slice(2, 2 + statements.length).concat(results.slice(3 + statements.length));
  } catch (error) {
    await runner.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await runner.release();
  }
}
