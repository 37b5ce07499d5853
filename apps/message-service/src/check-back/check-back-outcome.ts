import { CheckBackOutcome, PendingMessage } from '../state/check-back-claims';
import { CheckBackResult } from './check-back.client';

/**
 * The strict answer mapping: COMMITTED confirms, ROLLED_BACK cancels, UNKNOWN is checked again
 * until the give-up window has passed and then cancelled; an error is checked again with capped
 * backoff, forever, and never decides anything.
 */
export function outcomeOf(
  message: PendingMessage,
  giveUpMs: number,
  attempt: number,
  retryInMs: number,
  result: CheckBackResult,
): CheckBackOutcome {
  const detail = {
    attempt,
    httpStatus: result.httpStatus,
    latencyMs: result.latencyMs,
    ...(result.kind === 'answer' ? { answer: result.answer } : { error: result.error }),
  };
  if (result.kind === 'error') {
    return {
      kind: 'retry',
      retryInMs,
      failMsg: `check-back failed: ${result.error}`,
      detail: { ...detail, retryInMs },
    };
  }
  switch (result.answer) {
    case 'COMMITTED':
      return { kind: 'confirm', detail };
    case 'ROLLED_BACK':
      return {
        kind: 'cancel',
        reason: 'rolled back: the business transaction did not commit',
        detail,
      };
    case 'UNKNOWN': {
      if (message.ageMs >= giveUpMs) {
        return {
          kind: 'cancel',
          reason:
            `not found: the business still answered UNKNOWN ${Math.round(message.ageMs / 1000)} s ` +
            `after prepare, past the give-up window of ${Math.round(giveUpMs / 1000)} s`,
          detail,
        };
      }
      return { kind: 'retry', retryInMs, failMsg: null, detail: { ...detail, retryInMs } };
    }
  }
}
