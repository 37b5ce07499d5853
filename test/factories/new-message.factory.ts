import { MessageStatus } from '../../libs/contracts/src';
import { createHash, randomBytes } from 'node:crypto';
import { monotonicFactory } from 'ulid';
import { NewMessage } from '../../apps/message-service/src/state/message';

const ulid = monotonicFactory();

/** A row as prepare stores it: CONFIRMED unless told otherwise, with a unique id and msgLogId. */
export function aNewMessage(overrides: Partial<NewMessage> = {}): NewMessage {
  const body = overrides.body ?? randomBytes(16);
  return {
    id: ulid(),
    producerId: 'p-test',
    msgLogId: `log-${randomBytes(8).toString('hex')}`,
    topic: 'orders',
    tag: null,
    keys: [],
    properties: {},
    messageGroup: null,
    body,
    contentHash: createHash('sha256').update(body).digest('hex'),
    msgLogUrl: null,
    deliverAt: null,
    status: MessageStatus.CONFIRMED,
    checkBackDelayMs: 3_600_000,
    ...overrides,
  };
}

/** A fresh ULID (a message id nobody stored). */
export const aMessageId = (): string => ulid();
