import { MessageStatus } from '@app/contracts';
import { randomBytes } from 'node:crypto';
import { ClaimedMessage } from '../../apps/message-service/src/state/delivery-claims';
import { AttemptOutcome } from '../../apps/message-service/src/state/delivery-completions';
import { NewMessage } from '../../apps/message-service/src/state/message';
import { aMessageId, aNewMessage } from '../factories/new-message.factory';
import { startState, StateHarness } from '../support/state-db';

/**
 * The batched writes of the hot path against the real MariaDB with the real migrations: a group
 * confirm, a claim that numbers several (producer, topic) pairs at once, and a completion with
 * mixed outcomes. The suite has a database of its own, so nothing but the test touches its rows.
 */
describe('Batched claims, completions and confirms (integration)', () => {
  let h: StateHarness;
  const producers = ['p-one', 'p-two'];

  beforeAll(async () => {
    h = await startState('batch_writes');
  });

  afterAll(() => h.close());

  const aMessage = (
    producerId: string,
    topic: string,
    status: NewMessage['status'] = MessageStatus.CONFIRMED,
  ): NewMessage => aNewMessage({ producerId, topic, status });
  const topic = () => `t-${randomBytes(4).toString('hex')}`;
  const sent = (m: ClaimedMessage, n: number): AttemptOutcome => ({
    kind: 'sent',
    message: m,
    mqMessageId: `mq-${n}`,
    latencyMs: 1,
  });

  it('should number each (producer, topic) of one claim from 1 without holes, and keep numbers across claims', async () => {
    const [a, b] = [topic(), topic()];
    const batch = [
      aMessage(producers[0], a),
      aMessage(producers[1], a),
      aMessage(producers[0], b),
      aMessage(producers[0], a),
      aMessage(producers[1], a),
      aMessage(producers[0], a),
    ];
    await h.producer.prepare(batch);

    const claimed = await h.deliveryClaims.claimIds(
      batch.map((m) => m.id),
      60_000,
    );
    expect(claimed).toHaveLength(6);
    const seqsOf = (producerId: string, t: string) =>
      claimed
        .filter((m) => m.producerId === producerId && m.topic === t)
        .sort((x, y) => (x.id < y.id ? -1 : 1))
        .map((m) => m.seq);
    expect(seqsOf(producers[0], a)).toEqual([1, 2, 3]);
    expect(seqsOf(producers[1], a)).toEqual([1, 2]);
    expect(seqsOf(producers[0], b)).toEqual([1]);
    for (const m of claimed) {
      const stored = await h.reads.findById(m.id);
      expect(stored!.seq).toBe(m.seq);
      expect(stored!.deliveryAttempts).toBe(1);
    }

    // Leased: nobody can claim them again until the lease runs out.
    expect(await h.deliveryClaims.claimIds([batch[0].id], 60_000)).toEqual([]);

    // A retried message keeps its number; the next new one continues the sequence.
    await h.completions.complete([
      {
        kind: 'retry',
        message: claimed.find((m) => m.id === batch[0].id)!,
        error: 'broker down',
        retryInMs: 0,
        latencyMs: 1,
      },
    ]);
    const next = aMessage(producers[0], a);
    await h.producer.prepare([next]);
    const again = await h.deliveryClaims.claimIds([batch[0].id, next.id], 60_000);
    expect(again.map((m) => [m.id, m.seq, m.attempt])).toEqual([
      [batch[0].id, 1, 2],
      [next.id, 4, 1],
    ]);
  });

  it('should record sent, retried and failed outcomes in one completion, and only an attempt for a message cancelled in flight', async () => {
    const tp = topic();
    const batch = [0, 1, 2, 3].map(() => aMessage(producers[0], tp));
    await h.producer.prepare(batch);
    const claimed = await h.deliveryClaims.claimIds(
      batch.map((m) => m.id),
      60_000,
    );
    const byId = new Map(claimed.map((m) => [m.id, m]));
    const [s, r, f, c] = batch.map((m) => byId.get(m.id)!);
    // An operator cancels the fourth while its send is in flight.
    expect((await h.operator.cancel(c.id, MessageStatus.CONFIRMED, 'operator', {})).changed).toBe(
      true,
    );

    const result = await h.completions.complete([
      sent(s, 1),
      { kind: 'retry', message: r, error: 'timeout', retryInMs: 60_000, latencyMs: 2 },
      { kind: 'failed', message: f, error: 'topic not found', permanent: true, latencyMs: 3 },
      sent(c, 4),
    ]);
    expect(result).toEqual({ sent: [s.id], failed: [f.id] });

    const state = async (id: string) => {
      const m = (await h.reads.findById(id))!;
      const events = (await h.reads.timeline(id)).map((e) => e.type);
      return { status: m.status, mq: m.mqMessageId, failMsg: m.failMsg, events };
    };
    expect(await state(s.id)).toEqual({
      status: MessageStatus.SENT,
      mq: 'mq-1',
      failMsg: null,
      events: ['PREPARED', 'CONFIRMED', 'DELIVERY_ATTEMPT', 'SENT'],
    });
    expect(await state(r.id)).toEqual({
      status: MessageStatus.CONFIRMED,
      mq: null,
      failMsg: 'timeout',
      events: ['PREPARED', 'CONFIRMED', 'DELIVERY_ATTEMPT'],
    });
    expect(await state(f.id)).toEqual({
      status: MessageStatus.FAILED,
      mq: null,
      failMsg: 'topic not found',
      events: ['PREPARED', 'CONFIRMED', 'DELIVERY_ATTEMPT', 'FAILED'],
    });
    expect(await state(c.id)).toEqual({
      status: MessageStatus.CANCELLED,
      mq: null,
      failMsg: 'operator',
      events: ['PREPARED', 'CONFIRMED', 'CANCELLED', 'DELIVERY_ATTEMPT'],
    });

    // The attempt of the message cancelled in flight lost its claim: it is marked stale.
    const attemptOf = async (id: string) =>
      (await h.reads.timeline(id))
        .filter((e) => e.type === 'DELIVERY_ATTEMPT')
        .map((e) => e.detail);
    expect(await attemptOf(c.id)).toEqual([expect.objectContaining({ ok: true, stale: true })]);
    expect(await attemptOf(s.id)).toEqual([expect.not.objectContaining({ stale: true })]);

    // Completing the same outcomes again changes nothing and writes a stale attempt only.
    expect(await h.completions.complete([sent(s, 9)])).toEqual({ sent: [], failed: [] });
    expect((await h.reads.findById(s.id))!.mqMessageId).toBe('mq-1');
    expect((await attemptOf(s.id))[1]).toMatchObject({ mqMessageId: 'mq-9', stale: true });
  });

  it('should fence each claim of one completion by its own token', async () => {
    const tp = topic();
    const batch = [0, 1, 2, 3].map(() => aMessage(producers[0], tp));
    await h.producer.prepare(batch);
    const [a1, a2] = await h.deliveryClaims.claimIds([batch[0].id, batch[1].id], 60_000);
    const [other] = await h.deliveryClaims.claimIds([batch[3].id], 60_000);
    // The third's first claim runs out and another takes it: the first claim's outcome is stale.
    const [lost] = await h.deliveryClaims.claimIds([batch[2].id], 1);
    await new Promise((r) => setTimeout(r, 20));
    const [holder] = await h.deliveryClaims.claimIds([batch[2].id], 60_000);
    const tokens = [a1, other, lost, holder].map((m) => m.claimToken);
    expect(new Set(tokens).size).toBe(4);

    // One completion of the outcomes of three claims, one of them lost.
    const result = await h.completions.complete([
      sent(a1, 1),
      sent(lost, 2),
      sent(other, 3),
      sent(a2, 4),
    ]);
    expect(result.sent.sort()).toEqual([a1.id, a2.id, other.id].sort());
    const stored = async (id: string) => {
      const m = (await h.reads.findById(id))!;
      return [m.status, m.mqMessageId];
    };
    expect(await stored(a1.id)).toEqual([MessageStatus.SENT, 'mq-1']);
    expect(await stored(other.id)).toEqual([MessageStatus.SENT, 'mq-3']);
    expect(await stored(a2.id)).toEqual([MessageStatus.SENT, 'mq-4']);
    expect(await stored(lost.id)).toEqual([MessageStatus.CONFIRMED, null]);
    const attempts = async (id: string) =>
      (await h.reads.timeline(id))
        .filter((e) => e.type === 'DELIVERY_ATTEMPT')
        .map((e) => e.detail);
    expect(await attempts(lost.id)).toEqual([
      expect.objectContaining({ mqMessageId: 'mq-2', stale: true }),
    ]);
    // The happy path: the attempt is the row's own, shown on the timeline.
    expect(await attempts(a1.id)).toEqual([
      expect.objectContaining({ mqMessageId: 'mq-1', recordedIn: 'message' }),
    ]);

    // The claim that holds completes as usual.
    expect(await h.completions.complete([sent(holder, 5)])).toEqual({
      sent: [holder.id],
      failed: [],
    });
    expect(await stored(holder.id)).toEqual([MessageStatus.SENT, 'mq-5']);
  });

  it('should confirm the messages of several producers in one group confirm, each its own', async () => {
    const tp = topic();
    const first = aMessage(producers[0], tp, MessageStatus.PENDING);
    const second = aMessage(producers[1], tp, MessageStatus.PENDING);
    const other = aMessage(producers[1], tp, MessageStatus.PENDING);
    await h.producer.prepare([first, second, other]);

    const results = await h.producer.confirm([
      { id: first.id, producerId: producers[0] },
      { id: other.id, producerId: producers[0] }, // the second producer's message
      { id: second.id, producerId: producers[1] },
    ]);
    expect(results.map((r) => [r.changed, r.message?.status])).toEqual([
      [true, MessageStatus.CONFIRMED],
      [false, undefined],
      [true, MessageStatus.CONFIRMED],
    ]);
    expect((await h.reads.findById(other.id))!.status).toBe(MessageStatus.PENDING);
  });

  it('should confirm only PENDING messages of their own producer in a group confirm', async () => {
    const tp = topic();
    const mine = aMessage(producers[0], tp, MessageStatus.PENDING);
    const theirs = aMessage(producers[1], tp, MessageStatus.PENDING);
    const done = aMessage(producers[0], tp, MessageStatus.CONFIRMED);
    await h.producer.prepare([mine, theirs, done]);

    const results = await h.producer.confirm([
      { id: mine.id, producerId: producers[0] },
      { id: theirs.id, producerId: producers[0] }, // someone else's message
      { id: done.id, producerId: producers[0] },
      { id: aMessageId(), producerId: producers[0] }, // no such message
    ]);
    expect(results.map((r) => [r.changed, r.message?.status])).toEqual([
      [true, MessageStatus.CONFIRMED],
      [false, undefined],
      [false, MessageStatus.CONFIRMED],
      [false, undefined],
    ]);
    expect((await h.reads.findById(theirs.id))!.status).toBe(MessageStatus.PENDING);
    const confirmedEvents = async (id: string) =>
      (await h.reads.timeline(id)).filter((e) => e.type === 'CONFIRMED');
    expect(await confirmedEvents(mine.id)).toHaveLength(1);
    // The happy path: kept in the row's confirmed_at, shown in the timeline all the same.
    expect((await confirmedEvents(mine.id))[0].detail).toEqual({
      from: 'PENDING',
      to: 'CONFIRMED',
      actor: 'producer',
      recordedIn: 'message',
    });
    expect(await confirmedEvents(theirs.id)).toHaveLength(0);
    expect(await confirmedEvents(done.id)).toHaveLength(1); // from the prepare only
  });

  it('should refuse with a 413 a message that alone would not fit one statement', async () => {
    const [big] = [
      aNewMessage({ producerId: producers[0], body: Buffer.alloc(9 * 1024 * 1024, 1) }),
    ];
    await expect(h.producer.prepare([big])).rejects.toMatchObject({
      httpStatus: 413,
      code: 'PAYLOAD_TOO_LARGE',
    });
    expect(await h.reads.findById(big.id)).toBeUndefined();
  });

  it('should store a group larger than one packet (64 bodies of 256 KiB, 32 MiB as SQL) in one transaction', async () => {
    const group = Array.from({ length: 64 }, () =>
      aNewMessage({ producerId: producers[0], body: Buffer.alloc(256 * 1024, 7) }),
    );
    const stored = await h.producer.prepare(group);
    expect(stored.map((m) => m.id)).toEqual(group.map((m) => m.id));
    const last = await h.reads.findById(group[63].id, { withBody: true });
    expect(last!.body!.equals(group[63].body)).toBe(true);
  });
});
