/**
 * Message status codes as stored in `messages.status` (TINYINT). The numbers are part of the
 * contract: never renumber.
 */
export enum MessageStatus {
  PENDING = 0,
  SENT = 1,
  FAILED = 2,
  CONFIRMED = 3,
  CANCELLED = 4,
}

export type MessageStatusName = keyof typeof MessageStatus;

export const MESSAGE_STATUS_NAMES: readonly MessageStatusName[] = [
  'PENDING',
  'SENT',
  'FAILED',
  'CONFIRMED',
  'CANCELLED',
];

/** The API name of a stored status code. */
export function statusName(status: MessageStatus): MessageStatusName {
  return MessageStatus[status] as MessageStatusName;
}

/** Parses a status given by name (`FAILED`) or by code (`2`); undefined when neither. */
export function parseStatus(value: string): MessageStatus | undefined {
  if (/^[0-4]$/.test(value)) return Number(value);
  const upper = value.toUpperCase();
  return (MESSAGE_STATUS_NAMES as readonly string[]).includes(upper)
    ? MessageStatus[upper as MessageStatusName]
    : undefined;
}
