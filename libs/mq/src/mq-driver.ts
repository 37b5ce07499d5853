/** One message as handed to the MQ. */
export interface OutgoingMessage {
  topic: string;
  tag: string | null;
  keys: string[];
  /** User properties plus the service's `rms-*` properties. */
  properties: Record<string, string>;
  messageGroup: string | null;
  body: Buffer;
}

/** The broker's receipt: the send is durable in the MQ once this exists. */
export interface MqReceipt {
  messageId: string;
}

/**
 * A send failure. `permanent` failures can never succeed by retrying the same message (unknown
 * topic, rejected payload, forbidden); the others are worth retrying with backoff.
 */
export class MqSendError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly code?: string | number,
  ) {
    super(message);
    this.name = 'MqSendError';
  }
}

/** A message broker the service delivers to. Implementations wait for the broker's receipt. */
export interface MqDriver {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves with the receipt, or rejects with an `MqSendError`. */
  send(message: OutgoingMessage): Promise<MqReceipt>;
  /**
   * Sends many messages at once where the broker takes them cheaper so (optional): resolves
   * with each message's receipt or `MqSendError`, in order.
   */
  sendBatch?(messages: OutgoingMessage[]): Promise<(MqReceipt | MqSendError)[]>;
  /** True when the broker answers right now. */
  ping(): Promise<boolean>;
}

/** Rejects with `message` when `promise` does not settle within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
