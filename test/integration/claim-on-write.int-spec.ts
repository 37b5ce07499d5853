import { MessageStatus } from '@app/contracts';
import { ClaimOnWrite } from '../../apps/message-service/src/state/after-commit';
import { ClaimedMessage } from '../../apps/message-service/src/state/delivery-claims';
import { aNewMessage } from '../factories/new-message.factory';
import { startState, StateHarness } from '../support/state-db';
import { sleep, waitFor } from '../support/wait';

interface Row {
  id: string;
  status: number;
  claim_token: string | null;
  delivery_attempts: number;
  seq: string | number | null;
  leased: string | number;
}

/**
 * A `confirmed: true` prepare on an instance that delivers claims its messages in the same
 * transaction (token, lease, attempt, seq) and hands them over whole: the happy path needs no
 * claim of its own, and nothing about fencing, numbering or recovery changes.
 */
describe('Claim on write (integration)', () => {
  let h: StateHarness;
  let taken: ClaimedMessage[];
  let handedOff: string[];
  let room: number;

  const receiver = (leaseMs: number): ClaimOnWrite => ({
    leaseMs,
    room: () => room,
    deliver: (messages) => taken.push(...messages),
  });

  const rows = (ids: string[]): Promise<Row[]> =>
    h.db.query(
      `SELECT id, status, claim_token, delivery_attempts, seq,
              next_attempt_at > UTC_TIMESTAMP(3) AS leased
         FROM messages WHERE id IN (?) ORDER BY id`,
      [ids],
    );

  beforeAll(async () => {
    h = await startState('claim_on_write');
    h.afterCommit.onConfirmed((ids) => handedOff.push(...ids));
  });

  beforeEach(() => {
    taken = [];
    handedOff = [];
    room = 1_000;
  });

  afterAll(() => h.close());

  it('should claim the confirmed, ungrouped, due messages it stores, numbered per topic', async () => {
    h.afterCommit.onClaimOnWrite(receiver(60_000));
    const plain = [
      aNewMessage({ topic: 'cow-a' }),
      aNewMessage({ topic: 'cow-a' }),
      aNewMessage({ topic: 'cow-b' }),
    ];
    const grouped = aNewMessage({ topic: 'cow-a', messageGroup: 'g-1' });
    const later = aNewMessage({ topic: 'cow-a', deliverAt: new Date(Date.now() + 3_600_000) });
    const pending = aNewMessage({ topic: 'cow-a', status: MessageStatus.PENDING });
    const stored = await h.producer.prepare([...plain, grouped, later, pending]);

    expect(taken.map((m) => m.id).sort()).toEqual(plain.map((m) => m.id).sort());
    // A grouped one is handed off once the read of whether it waits behind its head is back.
    await waitFor(() => handedOff.includes(grouped.id), 'the hand-off of the grouped one', 2_000);
    expect(handedOff.sort()).toEqual([grouped.id, later.id].sort());
    const byId = new Map(taken.map((m) => [m.id, m]));
    expect(new Set(taken.map((m) => m.claimToken)).size).toBe(1);
    expect(taken.map((m) => [m.topic, m.seq]).sort()).toEqual([
      ['cow-a', 1],
      ['cow-a', 2],
      ['cow-b', 1],
    ]);
    for (const m of taken) {
      expect(m).toMatchObject({ attempt: 1, messageGroup: null });
      expect(m.body).toEqual(plain.find((p) => p.id === m.id)!.body);
    }
    // The rows hold exactly that claim; the answers say what a read would.
    for (const r of await rows(plain.map((m) => m.id))) {
      expect(r).toMatchObject({
        status: MessageStatus.CONFIRMED,
        claim_token: byId.get(r.id)!.claimToken,
        delivery_attempts: 1,
      });
      expect(Number(r.seq)).toBe(byId.get(r.id)!.seq);
      expect(Number(r.leased)).toBe(1);
    }
    for (const m of stored.slice(0, 3)) {
      expect(m).toMatchObject({ deliveryAttempts: 1, seq: byId.get(m.id)!.seq });
    }
    for (const r of await rows([grouped.id, later.id, pending.id])) {
      expect(r).toMatchObject({ claim_token: null, delivery_attempts: 0, seq: null });
    }

    // While the lease holds, no claim takes them.
    const due = await h.deliveryClaims.claimIds(
      plain.map((m) => m.id),
      60_000,
    );
    expect(due).toEqual([]);

    // The write's claim completes them, on the happy path without a timeline row.
    const done = await h.completions.complete(
      taken.map((message) => ({
        kind: 'sent',
        message,
        mqMessageId: `mq-${message.id}`,
        latencyMs: 1,
      })),
    );
    expect(done.sent.sort()).toEqual(plain.map((m) => m.id).sort());
    expect((await rows(plain.map((m) => m.id))).map((r) => r.status)).toEqual(
      plain.map(() => MessageStatus.SENT),
    );
    const [{ events }] = await h.db.query<{ events: string }[]>(
      'SELECT COUNT(*) AS events FROM message_events WHERE message_id IN (?)',
      [plain.map((m) => m.id)],
    );
    expect(Number(events)).toBe(0);
  });

  it('should claim nothing when delivery has no room for the whole write, and hand the ids off', async () => {
    h.afterCommit.onClaimOnWrite(receiver(60_000));
    room = 1;
    const messages = [aNewMessage({ topic: 'cow-c' }), aNewMessage({ topic: 'cow-c' })];
    await h.producer.prepare(messages);
    expect(taken).toEqual([]);
    expect(handedOff.sort()).toEqual(messages.map((m) => m.id).sort());
    for (const r of await rows(messages.map((m) => m.id))) {
      expect(r).toMatchObject({ claim_token: null, delivery_attempts: 0, seq: null });
    }
  });

  it('should leave a claimed message that is never sent to the next claim once the lease runs out', async () => {
    h.afterCommit.onClaimOnWrite(receiver(1_000));
    const message = aNewMessage({ topic: 'cow-d' });
    await h.producer.prepare([message]);
    const [first] = taken;
    expect(first.seq).toBe(1);

    await sleep(1_200); // the instance that claimed it died before sending
    const [again] = await h.deliveryClaims.claimIds([message.id], 60_000);
    expect(again).toMatchObject({ id: message.id, attempt: 2, seq: 1 });
    expect(again.claimToken).not.toBe(first.claimToken);

    // The first claim's late outcome is fenced off; the second one's counts.
    const late = await h.completions.complete([
      { kind: 'sent', message: first, mqMessageId: 'mq-late', latencyMs: 1 },
    ]);
    expect(late.sent).toEqual([]);
    const ok = await h.completions.complete([
      { kind: 'sent', message: again, mqMessageId: 'mq-2', latencyMs: 1 },
    ]);
    expect(ok.sent).toEqual([message.id]);
    const events = await h.db.query<{ type: string; detail: string }[]>(
      'SELECT type, detail FROM message_events WHERE message_id = ? ORDER BY id',
      [message.id],
    );
    expect(events.map((e) => e.type)).toEqual(['DELIVERY_ATTEMPT', 'DELIVERY_ATTEMPT', 'SENT']);
    expect(JSON.parse(events[0].detail)).toMatchObject({
      attempt: 1,
      stale: true,
      mqMessageId: 'mq-late',
    });
  });

  it('should claim on confirm too: the PENDING messages due at once and in no group', async () => {
    h.afterCommit.onClaimOnWrite(receiver(60_000));
    const pending = (o: Parameters<typeof aNewMessage>[0] = {}) =>
      aNewMessage({ topic: 'cow-e', status: MessageStatus.PENDING, ...o });
    const plain = [pending(), pending()];
    const grouped = pending({ messageGroup: 'g-2' });
    const later = pending({ deliverAt: new Date(Date.now() + 3_600_000) });
    const past = pending({ deliverAt: new Date(Date.now() - 60_000) });
    const foreign = pending({ producerId: 'p-other' });
    const all = [...plain, grouped, later, past, foreign];
    await h.producer.prepare(all);
    expect(taken).toEqual([]);

    const results = await h.producer.confirm(all.map((m) => ({ id: m.id, producerId: 'p-test' })));
    expect(results.map((r) => r.changed)).toEqual([true, true, true, true, true, false]);
    expect(results[5].message).toBeUndefined();
    const claimedIds = [...plain, past].map((m) => m.id).sort();
    expect(taken.map((m) => m.id).sort()).toEqual(claimedIds);
    // A grouped one is handed off once the read of whether it waits behind its head is back.
    await waitFor(() => handedOff.includes(grouped.id), 'the hand-off of the grouped one', 2_000);
    expect(handedOff.sort()).toEqual([grouped.id, later.id].sort());
    expect(taken.map((m) => m.seq).sort()).toEqual([1, 2, 3]);
    for (const m of taken) {
      expect(m).toMatchObject({ attempt: 1, topic: 'cow-e', messageGroup: null });
      expect(m.body).toEqual(all.find((a) => a.id === m.id)!.body);
      // The answer is the row as it is now: claimed, numbered, leased.
      const answer = results.find((r) => r.message?.id === m.id)!.message!;
      expect(answer).toMatchObject({
        status: MessageStatus.CONFIRMED,
        deliveryAttempts: 1,
        seq: m.seq,
      });
    }
    for (const r of await rows([grouped.id, later.id])) {
      expect(r).toMatchObject({ status: MessageStatus.CONFIRMED, claim_token: null, seq: null });
    }

    // A repeated confirm changes nothing and claims nothing.
    taken = [];
    const again = await h.producer.confirm(plain.map((m) => ({ id: m.id, producerId: 'p-test' })));
    expect(again.map((r) => r.changed)).toEqual([false, false]);
    expect(taken).toEqual([]);
  });
  it('should claim on a group confirm of several producers, each confirming its own', async () => {
    h.afterCommit.onClaimOnWrite(receiver(60_000));
    const pending = (producerId: string) =>
      aNewMessage({ topic: 'cow-f', producerId, status: MessageStatus.PENDING });
    const [first, second, theirs] = [pending('p-one'), pending('p-two'), pending('p-two')];
    await h.producer.prepare([first, second, theirs]);

    const results = await h.producer.confirm([
      { id: first.id, producerId: 'p-one' },
      { id: theirs.id, producerId: 'p-one' }, // the other producer's message
      { id: second.id, producerId: 'p-two' },
    ]);
    expect(results.map((r) => r.changed)).toEqual([true, false, true]);
    expect(results[1].message).toBeUndefined();
    expect(taken.map((m) => [m.id, m.producerId, m.seq]).sort()).toEqual(
      [
        [first.id, 'p-one', 1],
        [second.id, 'p-two', 1],
      ].sort(),
    );
    const [row] = await rows([theirs.id]);
    expect(row).toMatchObject({ status: MessageStatus.PENDING, claim_token: null });
  });
  it('should hand off only those grouped messages that are their group’s head', async () => {
    h.afterCommit.onClaimOnWrite(receiver(60_000));
    const grouped = (
      group: string,
      status: MessageStatus.PENDING | MessageStatus.CONFIRMED = MessageStatus.CONFIRMED,
    ) => aNewMessage({ topic: 'cow-g', messageGroup: group, status });
    const [g1, g2, plain] = [grouped('gh-1'), grouped('gh-1'), aNewMessage({ topic: 'cow-g' })];
    await h.producer.prepare([g1, g2, plain]);
    expect(taken.map((m) => m.id)).toEqual([plain.id]);
    // The second waits behind the first: the first one's send hands it off.
    expect(handedOff).toEqual([g1.id]);

    const g3 = grouped('gh-1');
    await h.producer.prepare([g3]);
    expect(handedOff).toEqual([g1.id]);

    // Confirms alike: the head of another group is handed off, one behind a head is not.
    const [other, behind] = [
      grouped('gh-2', MessageStatus.PENDING),
      grouped('gh-1', MessageStatus.PENDING),
    ];
    await h.producer.prepare([other, behind]);
    await h.producer.confirm([other, behind].map((m) => ({ id: m.id, producerId: 'p-test' })));
    // (A confirm's read of which wait behind follows its answer.)
    await waitFor(() => handedOff.includes(other.id), 'the hand-off of a group head', 2_000);
    await sleep(50); // and hands off nothing more
    expect(handedOff).toEqual([g1.id, other.id]);

    // The head is sent: its completion hands off the next in line.
    const [head] = await h.deliveryClaims.claimIds([g1.id], 60_000);
    await h.completions.complete([
      { kind: 'sent', message: head, mqMessageId: 'mq-g1', latencyMs: 1 },
    ]);
    expect(handedOff).toEqual([g1.id, other.id, g2.id]);
  });
});
