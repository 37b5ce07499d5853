import { MessageView, statusName } from '@app/contracts';
import { Message } from '../state/message';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** The API view of a message; the body (base64) only when it was read. */
export function toMessageView(m: Message): MessageView {
  return {
    id: m.id,
    producerId: m.producerId,
    msgLogId: m.msgLogId,
    topic: m.topic,
    tag: m.tag,
    keys: m.keys,
    properties: m.properties,
    messageGroup: m.messageGroup,
    msgLogUrl: m.msgLogUrl,
    status: statusName(m.status),
    failMsg: m.failMsg,
    checkBackCount: m.checkBackCount,
    deliveryAttempts: m.deliveryAttempts,
    nextAttemptAt: iso(m.nextAttemptAt),
    deliverAt: iso(m.deliverAt),
    mqMessageId: m.mqMessageId,
    seq: m.seq,
    createdAt: m.createdAt.toISOString(),
    confirmedAt: iso(m.confirmedAt),
    sentAt: iso(m.sentAt),
    ...(m.body !== undefined ? { body: m.body.toString('base64') } : {}),
  };
}
