import { CHECK_BACK_HEADERS, CheckBackAnswer, signCheckBack } from '@app/contracts';
import { Injectable } from '@nestjs/common';

export interface CheckBackRequest {
  url: string;
  producerId: string;
  signingSecret: string;
  msgLogId: string;
  messageId: string;
  topic: string;
  timeoutMs: number;
}

/**
 * What a check-back established. `answer` is only ever COMMITTED, ROLLED_BACK or UNKNOWN when
 * the business said so in one of the forms of the contract; everything else is an error.
 */
export type CheckBackResult =
  | { kind: 'answer'; answer: CheckBackAnswer; httpStatus: number; latencyMs: number }
  | { kind: 'error'; error: string; httpStatus: number | null; latencyMs: number };

const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * Maps an HTTP answer to the contract, strictly: 200 with a JSON body whose `status` is one of
 * the three answers; 409 is ROLLED_BACK; 404 and 425 are UNKNOWN; anything else is an error and
 * never taken as a decision.
 */
export function classifyAnswer(
  httpStatus: number,
  body: string,
): CheckBackAnswer | { error: string } {
  if (httpStatus === 409) return 'ROLLED_BACK';
  if (httpStatus === 404 || httpStatus === 425) return 'UNKNOWN';
  if (httpStatus !== 200) return { error: `unexpected HTTP ${httpStatus}` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { error: `HTTP 200 with a body that is not JSON: ${JSON.stringify(body.slice(0, 80))}` };
  }
  const status = (parsed as { status?: unknown } | null)?.status;
  if (status === 'COMMITTED' || status === 'ROLLED_BACK' || status === 'UNKNOWN') return status;
  return { error: `HTTP 200 without a known status: ${JSON.stringify(body.slice(0, 80))}` };
}

/** The target the business will see: the msgLogUrl with the check-back query appended. */
export function checkBackUrl(
  base: string,
  params: { msgLogId: string; messageId: string; topic: string },
): URL {
  const url = new URL(base);
  url.searchParams.append('msgLogId', params.msgLogId);
  url.searchParams.append('messageId', params.messageId);
  url.searchParams.append('topic', params.topic);
  return url;
}

/** Calls a business's msg_log_url: a signed GET with a timeout. */
@Injectable()
export class CheckBackClient {
  async check(request: CheckBackRequest): Promise<CheckBackResult> {
    const url = checkBackUrl(request.url, request);
    const target = `${url.pathname}${url.search}`;
    const timestamp = String(Date.now());
    const started = performance.now();
    const latency = () => Math.round(performance.now() - started);
    try {
      const response = await fetch(url, {
        method: 'GET',
        redirect: 'manual',
        headers: {
          accept: 'application/json',
          [CHECK_BACK_HEADERS.producer]: request.producerId,
          [CHECK_BACK_HEADERS.timestamp]: timestamp,
          [CHECK_BACK_HEADERS.signature]: signCheckBack(
            request.signingSecret,
            timestamp,
            'GET',
            target,
          ),
        },
        signal: AbortSignal.timeout(request.timeoutMs),
      });
      const body = (await response.text()).slice(0, MAX_ANSWER_BYTES);
      const answer = classifyAnswer(response.status, body);
      return typeof answer === 'string'
        ? { kind: 'answer', answer, httpStatus: response.status, latencyMs: latency() }
        : { kind: 'error', error: answer.error, httpStatus: response.status, latencyMs: latency() };
    } catch (error) {
      const e = error as Error & { cause?: { code?: string } };
      const reason =
        e.name === 'TimeoutError'
          ? `timed out after ${request.timeoutMs} ms`
          : `${e.cause?.code ?? e.name}: ${e.message}`;
      return { kind: 'error', error: reason, httpStatus: null, latencyMs: latency() };
    }
  }
}
