import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { automock } from '../../../../test/support/unit';
import { AfterCommit } from './after-commit';
import { ClaimedMessage } from './delivery-claims';
import { AttemptOutcome, DeliveryCompletions } from './delivery-completions';

/**
 * The completion's decisions with the database replaced: which statements travel, and what
 * happens when the stale attempts of first attempts cannot be written after the commit.
 */
describe(DeliveryCompletions.name, () => {
  const message = (id: string, attempt = 1): ClaimedMessage => ({
    id,
    producerId: 'p',
    msgLogId: `ml-${id}`,
    topic: 't',
    tag: null,
    keys: [],
    properties: {},
    messageGroup: null,
    body: Buffer.from('{}'),
    seq: 1,
    attempt,
    waitedMs: 0,
    claimToken: 'token-1',
  });
  const sent = (m: ClaimedMessage): AttemptOutcome => ({
    kind: 'sent',
    message: m,
    mqMessageId: `mq-${m.id}`,
    latencyMs: 1,
  });

  /** A database whose completion trip finds `live` still claimed; `insert` answers the rest. */
  function database(live: string[], insert: jest.Mock) {
    const trips: string[] = [];
    const connection = {};
    const runner = {
      query: jest.fn((sql: string) => {
        trips.push(sql);
        const results: unknown[] = sql.split(';\n').map(() => []);
        results[results.length - 1] = [{ ids: live.length ? live.join(',') : null }];
        return Promise.resolve(results);
      }),
      connect: jest.fn(() => Promise.resolve(connection)),
      release: jest.fn(() => Promise.resolve()),
    };
    const db = { createQueryRunner: () => runner, query: insert } as unknown as DataSource;
    return { db, trips };
  }

  let effects: jest.Mocked<AfterCommit>;
  beforeEach(() => {
    effects = automock<AfterCommit>('committed', 'due');
  });

  it('should send no statement for stale attempts when every claim held', async () => {
    const insert = jest.fn();
    const { db, trips } = database(['a', 'b'], insert);
    const result = await new DeliveryCompletions(db, effects).complete([
      sent(message('a')),
      sent(message('b')),
    ]);
    expect(result).toEqual({ sent: ['a', 'b'], failed: [] });
    expect(trips).toHaveLength(1);
    expect(trips[0]).not.toMatch(/message_events/);
    expect(insert).not.toHaveBeenCalled();
  });

  it('should write the stale attempt of a first attempt that lost its claim after the commit', async () => {
    const insert = jest.fn().mockResolvedValue({ affectedRows: 1 });
    const { db } = database(['a'], insert);
    await new DeliveryCompletions(db, effects).complete([sent(message('a')), sent(message('b'))]);
    expect(insert).toHaveBeenCalledTimes(1);
    const [sql, params] = insert.mock.calls[0] as [string, unknown[]];
    expect(sql).toMatch(/^INSERT INTO message_events/);
    expect(params[0]).toBe('b');
    expect(JSON.parse(params[2] as string)).toMatchObject({
      ok: true,
      mqMessageId: 'mq-b',
      stale: true,
    });
  });

  it('should answer the recorded outcomes and log what was lost when the stale attempts cannot be written', async () => {
    const error = jest.spyOn(Logger.prototype, 'error');
    const insert = jest.fn().mockRejectedValue(new Error('pool closed'));
    const { db } = database(['a'], insert);
    const result = await new DeliveryCompletions(db, effects).complete([
      sent(message('a')),
      sent(message('b')),
    ]);
    expect(result).toEqual({ sent: ['a'], failed: [] });
    expect(effects.committed).toHaveBeenCalledWith([
      { messageId: 'a', producerId: 'p', topic: 't', to: 'SENT' },
    ]);
    expect(error).toHaveBeenCalledWith(
      expect.stringMatching(/"messageId":"b".*"mqMessageId":"mq-b".*pool closed/),
    );
    error.mockRestore();
  });
});
