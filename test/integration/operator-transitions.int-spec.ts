import { MessageStatus } from '@app/contracts';
import { aNewMessage } from '../factories/new-message.factory';
import { startState, StateHarness } from '../support/state-db';

describe('Operator transitions (integration)', () => {
  let h: StateHarness;

  beforeAll(async () => {
    h = await startState('operator_transitions');
  });

  afterAll(() => h.close());

  it('should keep what a resend overwrites in its RESENT event', async () => {
    const [m] = await h.producer.prepare([aNewMessage()]);
    const [claim] = await h.deliveryClaims.claimIds([m.id], 60_000);
    await h.completions.complete([
      { kind: 'sent', message: claim, mqMessageId: 'mq-first', latencyMs: 1 },
    ]);
    const sent = (await h.reads.findById(m.id))!;

    const result = await h.operator.resend(m.id, MessageStatus.SENT, { actor: 'admin:ana' });
    expect(result.changed).toBe(true);
    expect(result.message).toMatchObject({
      status: MessageStatus.CONFIRMED,
      mqMessageId: null,
      sentAt: null,
      deliveryAttempts: 0,
      seq: sent.seq,
    });
    const resent = (await h.reads.timeline(m.id)).find((e) => e.type === 'RESENT')!;
    expect(resent.detail).toEqual({
      from: 'SENT',
      to: 'CONFIRMED',
      actor: 'admin:ana',
      overwritten: {
        sentAt: expect.any(String),
        mqMessageId: 'mq-first',
        deliveryAttempts: 1,
        failMsg: null,
      },
    });
    expect(new Date((resent.detail!.overwritten as { sentAt: string }).sentAt).getTime()).toBe(
      sent.sentAt!.getTime(),
    );
  });

  it('should fence out a claim taken before an operator cancelled and resent the message', async () => {
    const [m] = await h.producer.prepare([aNewMessage()]);
    const [claim] = await h.deliveryClaims.claimIds([m.id], 60_000);
    await h.operator.cancel(m.id, MessageStatus.CONFIRMED, 'wrong amount', { actor: 'admin' });
    await h.operator.resend(m.id, MessageStatus.CANCELLED, { actor: 'admin' });

    // The send of the claim before the cancel ends late: it changes nothing.
    expect(
      await h.completions.complete([
        { kind: 'failed', message: claim, error: 'late', permanent: true, latencyMs: 1 },
      ]),
    ).toEqual({ sent: [], failed: [] });
    expect((await h.reads.findById(m.id))!.status).toBe(MessageStatus.CONFIRMED);
    const attempt = (await h.reads.timeline(m.id)).find((e) => e.type === 'DELIVERY_ATTEMPT');
    expect(attempt!.detail).toMatchObject({ error: 'late', stale: true });
  });

  it('should change nothing and record nothing when the message is not in the expected status', async () => {
    const [m] = await h.producer.prepare([aNewMessage({ status: MessageStatus.PENDING })]);
    const result = await h.operator.resend(m.id, MessageStatus.FAILED, { actor: 'admin' });
    expect(result).toMatchObject({ changed: false, message: { status: MessageStatus.PENDING } });
    expect((await h.reads.timeline(m.id)).map((e) => e.type)).toEqual(['PREPARED']);
  });
});
