import { PrepareMessageRequest } from '../../libs/contracts/src';
import { randomUUID } from 'node:crypto';

/** A valid prepare body with a unique msgLogId. */
export function aPrepareRequest(
  overrides: Partial<PrepareMessageRequest> = {},
): PrepareMessageRequest {
  return {
    msgLogId: `log-${randomUUID()}`,
    topic: 'orders',
    tag: 'created',
    keys: ['order-1'],
    properties: { region: 'eu' },
    body: JSON.stringify({ orderId: 1, amount: 42 }),
    ...overrides,
  };
}
