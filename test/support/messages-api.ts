import { ErrorBody, MessageView, PrepareMessageRequest } from '../../libs/contracts/src';
import { MessageEvent } from '../../apps/message-service/src/state/message';
import { MessageReads } from '../../apps/message-service/src/state/message-reads';
import { TestApp } from './test-app';
import { call, JsonResponse } from './http';
import { waitFor } from './wait';

export type Answer = MessageView & Partial<ErrorBody>;

/** The producer API, as one producer calls it. */
export class ProducerClient {
  constructor(
    readonly baseUrl: string,
    readonly apiKey: string,
  ) {}

  prepare(request: PrepareMessageRequest): Promise<JsonResponse<Answer>> {
    return call<Answer>(this.baseUrl, 'POST', '/v1/messages', {
      token: this.apiKey,
      json: request,
    });
  }

  confirm(id: string): Promise<JsonResponse<Answer>> {
    return call<Answer>(this.baseUrl, 'POST', `/v1/messages/${id}/confirm`, { token: this.apiKey });
  }

  get(id: string): Promise<JsonResponse<Answer>> {
    return call<Answer>(this.baseUrl, 'GET', `/v1/messages/${id}`, { token: this.apiKey });
  }

  /** Polls until the message has one of `statuses`. */
  async until(id: string, statuses: string[], timeoutMs = 15_000): Promise<MessageView> {
    return waitFor(
      async () => {
        const { body } = await this.get(id);
        return statuses.includes(body.status) ? body : undefined;
      },
      `message ${id} to be ${statuses.join('/')}`,
      timeoutMs,
    );
  }
}

/** The message's timeline, oldest first. */
export function timelineOf(t: TestApp, id: string): Promise<MessageEvent[]> {
  return t.app.get(MessageReads).timeline(id);
}
