import { CHECK_BACK_HEADERS, CheckBackAnswer, signCheckBack } from '@app/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AddressGuard } from './address-guard';

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

/** An answer body is read up to this size; a longer one is cut off and is an error. */
export const MAX_ANSWER_BYTES = 64 * 1024;

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

/**
 * Calls a business's msg_log_url: a signed GET under one deadline (connect, answer and body),
 * no redirects followed, at most 64 KiB of answer read, and never to an address in
 * CHECK_BACK_DENY_CIDRS (checked after DNS resolution, at every call).
 */
@Injectable()
export class CheckBackClient {
  private readonly guard: AddressGuard;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.guard = new AddressGuard(config.checkBack.denyCidrs);
  }

  async check(request: CheckBackRequest): Promise<CheckBackResult> {
    const url = checkBackUrl(request.url, request);
    const started = performance.now();
    const latency = () => Math.round(performance.now() - started);
    try {
      const { status, body } = await this.get(url, request);
      const answer = classifyAnswer(status, body);
      return typeof answer === 'string'
        ? { kind: 'answer', answer, httpStatus: status, latencyMs: latency() }
        : { kind: 'error', error: answer.error, httpStatus: status, latencyMs: latency() };
    } catch (error) {
      const e = error as Error & { code?: string; httpStatus?: number };
      const text = e.code && !e.message.includes(e.code) ? `${e.code}: ${e.message}` : e.message;
      return {
        kind: 'error',
        // Short enough to compare when repeated errors are folded into one event.
        error: text.slice(0, 300),
        httpStatus: e.httpStatus ?? null,
        latencyMs: latency(),
      };
    }
  }

  private get(url: URL, request: CheckBackRequest): Promise<{ status: number; body: string }> {
    this.guard.checkLiteral(url.hostname);
    const target = `${url.pathname}${url.search}`;
    const timestamp = String(Date.now());
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, {
        method: 'GET',
        lookup: this.guard.lookup,
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
      });
      const fail = (error: Error) => {
        clearTimeout(deadline);
        req.destroy();
        reject(error);
      };
      const deadline = setTimeout(
        () => fail(new Error(`timed out after ${request.timeoutMs} ms`)),
        request.timeoutMs,
      );
      req.on('error', fail);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) {
            fail(
              Object.assign(new Error(`answer larger than ${MAX_ANSWER_BYTES} bytes: cut off`), {
                httpStatus: res.statusCode,
              }),
            );
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          clearTimeout(deadline);
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', fail);
      });
      req.end();
    });
  }
}
