import { RmsMessage } from './message';

/** One delivery of a message, and what the consumer can do with it. */
export interface Delivery {
  message: RmsMessage;
  /** Done with it: the MQ forgets it for this group. */
  ack(): Promise<void>;
  /** Handling failed: deliver it again, no sooner than `delayMs` from now. */
  retryLater(delayMs: number): Promise<void>;
  /** Still working on it: do not deliver it to another consumer yet. */
  touch(): Promise<void>;
  /** Give up on it: keep it where an operator finds it, and forget it for this group. */
  deadLetter(reason: string): Promise<void>;
}

/** What the consumer needs of an MQ: deliveries for its group, at most `max` at a time. */
export interface DeliverySource {
  start(): Promise<void>;
  /** Waits (briefly) for deliveries; an empty list when none came. */
  fetch(max: number): Promise<Delivery[]>;
  /** Stops fetching (a blocked fetch returns soon); deliveries in hand can still be acknowledged. */
  stop(): Promise<void>;
  /** Releases connections, once the deliveries in hand are done. */
  close(): Promise<void>;
}
