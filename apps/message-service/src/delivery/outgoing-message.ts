import { OutgoingMessage } from '@app/mq';
import { ClaimedMessage } from '../state/delivery-claims';

/**
 * What the MQ receives: the user's keys after the msgLogId and the message id (so either finds
 * it in the broker), and the user's properties plus `rms-message-id` (for de-duplication),
 * `rms-producer`, `rms-msg-log-id` and `rms-seq` (for gap detection per producer and topic).
 */
export function toOutgoingMessage(m: ClaimedMessage): OutgoingMessage {
  return {
    topic: m.topic,
    tag: m.tag,
    keys: [...new Set([m.msgLogId, m.id, ...m.keys])],
    properties: {
      ...m.properties,
      'rms-message-id': m.id,
      'rms-producer': m.producerId,
      'rms-msg-log-id': m.msgLogId,
      'rms-seq': String(m.seq),
    },
    messageGroup: m.messageGroup,
    body: m.body,
  };
}
