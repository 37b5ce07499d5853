import type { ErrorBody } from '../../contracts/src/error-codes';
import type {
  MessageView,
  PrepareBatchResponse,
  PrepareMessageRequest,
} from '../../contracts/src/message-view';
import { RmsError, RmsErrorCode } from './errors';

export interface RmsClientOptions {
  /** The service's base URL, e.g. `http://rms.internal:3000`. */
  baseUrl: string;
  /** The producer's API key (`rms_…`). */
  apiKey: string;
  /** One attempt's timeout; default 10,000 ms. */
  timeoutMs?: number;
  /** Further attempts after a failure that may pass (no answer, 429, 5xx); default 2. */
  retries?: number;
}

/** A prepare with a msgLogId of the caller's choosing, to be confirmed later. */
export type PrepareRequest = Omit<PrepareMessageRequest, 'confirmed'> & { confirmed?: boolean };

/** A message to publish at once (the business already committed). */
export type SendRequest = Omit<PrepareMessageRequest, 'confirmed'>;

/**
 * The producer API of the Reliable Message Service. Every call is idempotent on the service side
 * (prepare on the msgLogId, confirm and cancel on the message), so calls that got no answer, a
 * 429 or a 5xx are tried again (`retries`), waiting as `Retry-After` says or with backoff. Other
 * errors are thrown at once as `RmsError` with the service's `code`. Uses Node's own `fetch`,
 * which keeps connections alive.
 */
export class RmsClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly retries: number;

  constructor(private readonly options: RmsClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.retries = options.retries ?? 2;
  }

  /** Stores a message as PENDING (or CONFIRMED with `confirmed: true`); a replay returns it. */
  prepare(request: PrepareRequest): Promise<MessageView> {
    return this.call<MessageView>('POST', '/v1/messages', request);
  }

  /** Up to 100 prepares in one call; one result per message, in order. */
  prepareBatch(requests: PrepareRequest[]): Promise<PrepareBatchResponse> {
    return this.call<PrepareBatchResponse>('POST', '/v1/messages/batch', { messages: requests });
  }

  /** Publishes at once: for a business that has already committed (`confirmed: true`). */
  send(request: SendRequest): Promise<MessageView> {
    return this.prepare({ ...request, confirmed: true });
  }

  /** PENDING → CONFIRMED: the business committed. */
  confirm(id: string): Promise<MessageView> {
    return this.call<MessageView>('POST', `/v1/messages/${encodeURIComponent(id)}/confirm`);
  }

  /** PENDING → CANCELLED: the business rolled back. */
  cancel(id: string): Promise<MessageView> {
    return this.call<MessageView>('POST', `/v1/messages/${encodeURIComponent(id)}/cancel`);
  }

  /** The message; with `withBody`, its body too (base64). */
  get(id: string, options: { withBody?: boolean } = {}): Promise<MessageView> {
    const query = options.withBody ? '?withBody=true' : '';
    return this.call<MessageView>('GET', `/v1/messages/${encodeURIComponent(id)}${query}`);
  }

  /** The message with this business id. */
  getByMsgLogId(msgLogId: string): Promise<MessageView> {
    return this.call<MessageView>('GET', `/v1/messages?msgLogId=${encodeURIComponent(msgLogId)}`);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once<T>(method, path, body);
      } catch (error) {
        if (!(error instanceof RmsError) || !error.retryable || attempt >= this.retries) {
          throw error;
        }
        await sleep(error.retryAfterMs ?? backoff(attempt));
      }
    }
  }

  private async once<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.options.apiKey}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const e = error as Error & { cause?: { code?: string } };
      if (e.name === 'TimeoutError') {
        throw new RmsError(`${method} ${path}: no answer within ${this.timeoutMs} ms`, 'TIMEOUT');
      }
      throw new RmsError(
        `${method} ${path}: ${e.cause?.code ?? e.name}: ${e.message}`,
        'NETWORK_ERROR',
      );
    }
    if (!response.ok) throw errorOf(method, path, response, text);
    try {
      return JSON.parse(text) as T;
    } catch {
      // Something in between answered instead of the service: worth another try.
      throw new RmsError(
        `${method} ${path}: HTTP ${response.status} without JSON`,
        'INTERNAL_ERROR',
        502,
      );
    }
  }
}

function errorOf(method: string, path: string, response: Response, text: string): RmsError {
  let body: Partial<ErrorBody> = {};
  try {
    body = JSON.parse(text) as Partial<ErrorBody>;
  } catch {
    // not the service's error shape (a proxy in between): keep the status
  }
  const error = new RmsError(
    `${method} ${path}: ${body.message ?? `HTTP ${response.status}`}`,
    (body.code as RmsErrorCode | undefined) ?? CODE_BY_STATUS[response.status] ?? 'INTERNAL_ERROR',
    response.status,
    body.details,
    body.errorId,
  );
  const retryAfter = Number(response.headers.get('retry-after'));
  if (retryAfter > 0) error.retryAfterMs = Math.min(retryAfter, 30) * 1000;
  return error;
}

/** The code of an error answer without the service's body (from a proxy in between). */
const CODE_BY_STATUS: Record<number, RmsErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'INVALID_TRANSITION',
  413: 'PAYLOAD_TOO_LARGE',
  429: 'RATE_LIMITED',
  503: 'STORE_UNAVAILABLE',
};

const backoff = (attempt: number) => 100 * 2 ** attempt * (0.8 + Math.random() * 0.4);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
