import { MessageView, PrepareBatchResponse, statusName } from '@app/contracts';
import { MsgLogIdConflictError } from '../common/domain-errors';
import { toErrorBody } from '../common/http-exception.filter';
import { Message } from '../state/message';
import type { PrepareResult } from './messages.service';

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

/** The answer to a batch prepare: one result per message, in order. */
export function toBatchResponse(
  results: (PrepareResult | MsgLogIdConflictError)[],
): PrepareBatchResponse {
  return {
    items: results.map((r) =>
      r instanceof MsgLogIdConflictError
        ? { statusCode: 409, error: toErrorBody(r) }
        : { statusCode: r.created ? 201 : 200, message: toMessageView(r.message) },
    ),
  };
}
