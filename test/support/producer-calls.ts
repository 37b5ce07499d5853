import { ErrorBody, MessageView } from '../../libs/contracts/src';
import { call } from './http';
import { timelineOf } from './messages-api';
import { TestApp } from './test-app';

/** A success (message view) or an error body. */
export type Answer = MessageView & Partial<ErrorBody>;

/** Delivery may already have sent a confirmed message: producer-side tests ignore its events. */
const DELIVERY_EVENTS = ['DELIVERY_ATTEMPT', 'SENT'];

/** Raw calls of the producer API with one producer's key (another key per call if given). */
export function producerCalls(app: () => TestApp, apiKey: () => string) {
  return {
    prepare: (json: unknown, token = apiKey()) =>
      call<Answer>(app().baseUrl, 'POST', '/v1/messages', { token, json }),
    post: (path: string, token = apiKey()) => call<Answer>(app().baseUrl, 'POST', path, { token }),
    get: (path: string, token = apiKey()) => call<Answer>(app().baseUrl, 'GET', path, { token }),
    /** The producer-side event types of a message's timeline, oldest first. */
    timeline: async (id: string) =>
      (await timelineOf(app(), id))
        .map((e) => e.type)
        .filter((type) => !DELIVERY_EVENTS.includes(type)),
  };
}

/** A confirmed message may already be SENT when the confirm answers. */
export const CONFIRMED_OR_LATER = ['CONFIRMED', 'SENT'];
