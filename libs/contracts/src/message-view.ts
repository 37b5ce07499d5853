import { MessageStatusName } from './message-status';
import { ErrorBody } from './error-codes';

/** A message as the REST API shows it. Times are ISO-8601 strings in UTC. */
export interface MessageView {
  id: string;
  producerId: string;
  msgLogId: string;
  topic: string;
  tag: string | null;
  keys: string[];
  properties: Record<string, string>;
  messageGroup: string | null;
  msgLogUrl: string | null;
  status: MessageStatusName;
  failMsg: string | null;
  checkBackCount: number;
  deliveryAttempts: number;
  nextAttemptAt: string | null;
  deliverAt: string | null;
  mqMessageId: string | null;
  seq: number | null;
  createdAt: string;
  confirmedAt: string | null;
  sentAt: string | null;
  /** Only when asked for with `?withBody=true`: always base64. */
  body?: string;
}

export type BodyEncoding = 'utf8' | 'base64';

/** The body of `POST /v1/messages`. */
export interface PrepareMessageRequest {
  msgLogId: string;
  topic: string;
  tag?: string;
  keys?: string[];
  properties?: Record<string, string>;
  body: string;
  bodyEncoding?: BodyEncoding;
  messageGroup?: string;
  deliverAt?: string;
  msgLogUrl?: string;
  confirmed?: boolean;
}

/** The body of `POST /v1/messages/batch`: 1 to `LIMITS.batchMaxMessages` prepares. */
export interface PrepareBatchRequest {
  messages: PrepareMessageRequest[];
}

/**
 * One message's outcome in a batch, in request order: 201 stored, 200 the same msgLogId and
 * content already stored (the existing message), 409 `MSG_LOG_ID_CONFLICT` with `error`.
 */
export interface PrepareBatchItem {
  statusCode: 200 | 201 | 409;
  message?: MessageView;
  error?: ErrorBody;
}

export interface PrepareBatchResponse {
  items: PrepareBatchItem[];
}
