import { MessageStatus } from '@app/contracts';
import { MessageEvent, MessageEventType } from './message';

/** The columns of a message that hold its happy path. */
export interface HappyPathColumns {
  id: string;
  status: MessageStatus;
  createdAt: Date;
  confirmedAt: Date | null;
  sentAt: Date | null;
  mqMessageId: string | null;
}

/** Of events at the same instant, the order in which the service makes them. */
const RANK: Record<MessageEventType, number> = {
  PREPARED: 0,
  CHECK_BACK: 1,
  CONFIRMED: 2,
  CANCELLED: 3,
  DELIVERY_ATTEMPT: 4,
  SENT: 5,
  FAILED: 6,
  RESENT: 7,
};

/**
 * The whole timeline of a message: its event rows, and the happy path that the service records in
 * the message's own columns instead of rows (prepared, confirmed by the producer, sent on the
 * first attempt). Those come back as events with id 0 and `detail.recordedIn: 'message'`. A
 * delivery round ends with at most one send: where a round has no SENT row, its send was a first
 * attempt, read from the columns (the last round) or from what its RESENT event kept (earlier
 * rounds).
 */
export function composeTimeline(m: HappyPathColumns, rows: MessageEvent[]): MessageEvent[] {
  const made = (type: MessageEventType, at: Date, detail: Record<string, unknown>) => ({
    id: 0,
    messageId: m.id,
    type,
    at,
    detail: { ...detail, recordedIn: 'message' },
  });
  const out = [...rows];
  const preparedConfirmed = m.confirmedAt?.getTime() === m.createdAt.getTime();
  if (!rows.some((e) => e.type === 'PREPARED')) {
    out.push(
      made('PREPARED', m.createdAt, { status: preparedConfirmed ? 'CONFIRMED' : 'PENDING' }),
    );
  }
  if (m.confirmedAt && !rows.some((e) => e.type === 'CONFIRMED')) {
    out.push(
      made('CONFIRMED', m.confirmedAt, {
        from: 'PENDING',
        to: 'CONFIRMED',
        actor: 'producer',
        ...(preparedConfirmed ? { via: 'prepare' } : {}),
      }),
    );
  }
  const firstSend = (at: Date, mqMessageId: unknown) => {
    out.push(made('DELIVERY_ATTEMPT', at, { attempt: 1, ok: true, mqMessageId }));
    out.push(made('SENT', at, { from: 'CONFIRMED', to: 'SENT', mqMessageId, attempt: 1 }));
  };
  let roundHasSent = false;
  for (const e of rows) {
    if (e.type === 'SENT') roundHasSent = true;
    if (e.type !== 'RESENT') continue;
    const kept = (e.detail?.overwritten ?? {}) as { sentAt?: string | null; mqMessageId?: unknown };
    if (!roundHasSent && kept.sentAt) firstSend(new Date(kept.sentAt), kept.mqMessageId ?? null);
    roundHasSent = false;
  }
  if (!roundHasSent && m.status === MessageStatus.SENT && m.sentAt)
    firstSend(m.sentAt, m.mqMessageId);
  return out.sort(
    (a, b) => a.at.getTime() - b.at.getTime() || RANK[a.type] - RANK[b.type] || a.id - b.id,
  );
}
