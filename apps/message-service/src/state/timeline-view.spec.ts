import { MessageStatus } from '@app/contracts';
import { MessageEvent } from './message';
import { composeTimeline, HappyPathColumns } from './timeline-view';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
const row = (id: number, type: MessageEvent['type'], s: number, detail = {}): MessageEvent => ({
  id,
  messageId: 'M',
  type,
  at: at(s),
  detail,
});
const columns = (over: Partial<HappyPathColumns> = {}): HappyPathColumns => ({
  id: 'M',
  status: MessageStatus.SENT,
  createdAt: at(0),
  confirmedAt: at(1),
  sentAt: at(2),
  mqMessageId: 'mq-1',
  ...over,
});
const types = (events: MessageEvent[]) => events.map((e) => e.type);

describe(composeTimeline.name, () => {
  it('should show the happy path from the columns alone, marked as recorded in the message', () => {
    const timeline = composeTimeline(columns(), []);
    expect(types(timeline)).toEqual(['PREPARED', 'CONFIRMED', 'DELIVERY_ATTEMPT', 'SENT']);
    expect(timeline.map((e) => e.at)).toEqual([at(0), at(1), at(2), at(2)]);
    expect(timeline[3].detail).toEqual({
      from: 'CONFIRMED',
      to: 'SENT',
      mqMessageId: 'mq-1',
      attempt: 1,
      recordedIn: 'message',
    });
    expect(timeline[1].detail).toMatchObject({ actor: 'producer' });
  });

  it('should show a prepare with confirmed: true as prepared CONFIRMED, via prepare', () => {
    const timeline = composeTimeline(columns({ confirmedAt: at(0) }), []);
    expect(types(timeline)).toEqual(['PREPARED', 'CONFIRMED', 'DELIVERY_ATTEMPT', 'SENT']);
    expect(timeline[0].detail).toMatchObject({ status: 'CONFIRMED' });
    expect(timeline[1].detail).toMatchObject({ via: 'prepare' });
  });

  it('should not add a CONFIRMED that has its own row (a check-back), nor a SENT after retries', () => {
    const rows = [
      row(1, 'CHECK_BACK', 1, { answer: 'COMMITTED' }),
      row(2, 'CONFIRMED', 1, { actor: 'check-back' }),
      row(3, 'DELIVERY_ATTEMPT', 2, { attempt: 1, ok: false }),
      row(4, 'DELIVERY_ATTEMPT', 3, { attempt: 2, ok: true }),
      row(5, 'SENT', 3, { attempt: 2 }),
    ];
    const timeline = composeTimeline(columns({ sentAt: at(3) }), rows);
    expect(types(timeline)).toEqual([
      'PREPARED',
      'CHECK_BACK',
      'CONFIRMED',
      'DELIVERY_ATTEMPT',
      'DELIVERY_ATTEMPT',
      'SENT',
    ]);
    expect(timeline.filter((e) => e.id === 0).map((e) => e.type)).toEqual(['PREPARED']);
  });

  it('should show the first-attempt send a resend overwrote, from what its RESENT event kept', () => {
    const rows = [
      row(1, 'RESENT', 5, {
        overwritten: { sentAt: at(2).toISOString(), mqMessageId: 'mq-1', deliveryAttempts: 1 },
      }),
    ];
    const timeline = composeTimeline(columns({ sentAt: at(6), mqMessageId: 'mq-2' }), rows);
    expect(types(timeline)).toEqual([
      'PREPARED',
      'CONFIRMED',
      'DELIVERY_ATTEMPT',
      'SENT',
      'RESENT',
      'DELIVERY_ATTEMPT',
      'SENT',
    ]);
    expect(timeline.filter((e) => e.type === 'SENT').map((e) => e.detail?.mqMessageId)).toEqual([
      'mq-1',
      'mq-2',
    ]);
  });

  it('should show no send for a message not SENT, nor a confirm for one never confirmed', () => {
    expect(types(composeTimeline(columns({ status: MessageStatus.FAILED }), []))).toEqual([
      'PREPARED',
      'CONFIRMED',
    ]);
    const cancelled = composeTimeline(
      columns({ status: MessageStatus.CANCELLED, confirmedAt: null, sentAt: null }),
      [row(1, 'CANCELLED', 4)],
    );
    expect(types(cancelled)).toEqual(['PREPARED', 'CANCELLED']);
  });
});
