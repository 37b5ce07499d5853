import fc from 'fast-check';
import { ErrorCode } from '../../libs/contracts/src';

const CODES = new Set<string>(Object.values(ErrorCode));

/** Any JSON value, including deep, odd and huge-ish ones. */
export const anyJson = fc.oneof(
  { depthSize: 'small' },
  fc.jsonValue(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant('x'.repeat(5000)),
  fc.constant('\u0000\u0001\u007f\u0085'),
  fc.constant('2024-01-01T00:00:00Z'),
);

/** An HTTP answer: never a 5xx; every 4xx in the contract's error shape with a stable code. */
export async function expectContractAnswer(response: Response): Promise<void> {
  const text = await response.text();
  if (response.status >= 500) throw new Error(`HTTP ${response.status}: ${text.slice(0, 500)}`);
  if (response.status >= 400) {
    const body = JSON.parse(text) as { code?: string; statusCode?: number };
    if (
      !CODES.has(body.code ?? '') ||
      body.code === 'INTERNAL_ERROR' ||
      body.statusCode !== response.status
    ) {
      throw new Error(`HTTP ${response.status} without a stable code: ${text.slice(0, 300)}`);
    }
  }
}
