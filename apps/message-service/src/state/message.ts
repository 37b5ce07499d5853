import { MessageStatus } from '@app/contracts';

/** A stored message (without its body unless read with the body). */
export interface Message {
  id: string;
  producerId: string;
  msgLogId: string;
  topic: string;
  tag: string | null;
  keys: string[];
  properties: Record<string, string>;
  messageGroup: string | null;
  body?: Buffer;
  contentHash: string;
  msgLogUrl: string | null;
  status: MessageStatus;
  failMsg: string | null;
  checkBackCount: number;
  deliveryAttempts: number;
  nextAttemptAt: Date | null;
  deliverAt: Date | null;
  mqMessageId: string | null;
  seq: number | null;
  createdAt: Date;
  confirmedAt: Date | null;
  sentAt: Date | null;
}

/** What prepare stores. */
export interface NewMessage {
  id: string;
  producerId: string;
  msgLogId: string;
  topic: string;
  tag: string | null;
  keys: string[];
  properties: Record<string, string>;
  messageGroup: string | null;
  body: Buffer;
  contentHash: string;
  msgLogUrl: string | null;
  deliverAt: Date | null;
  /** PENDING, or CONFIRMED when the business already committed. */
  status: MessageStatus.PENDING | MessageStatus.CONFIRMED;
  /** For PENDING: how long until the first check-back. */
  checkBackDelayMs: number;
}

export type MessageEventType =
  | 'PREPARED'
  | 'CONFIRMED'
  | 'CANCELLED'
  | 'CHECK_BACK'
  | 'DELIVERY_ATTEMPT'
  | 'SENT'
  | 'FAILED'
  | 'RESENT';

export interface MessageEvent {
  id: number;
  messageId: string;
  type: MessageEventType;
  at: Date;
  detail: Record<string, unknown> | null;
}

/** What a change of status is named by in metrics and the after-commit effects. */
export type StatusName = 'PENDING' | 'CONFIRMED' | 'SENT' | 'FAILED' | 'CANCELLED';

/** A committed change of one message's status. */
export interface StatusChange {
  messageId: string;
  producerId: string;
  topic: string;
  /** The status entered. */
  to: StatusName;
}

export interface TransitionResult {
  /** True when this call made the change. */
  changed: boolean;
  /** The message after the call, when it exists (and belongs to the producer, if one was named). */
  message?: Message;
}
