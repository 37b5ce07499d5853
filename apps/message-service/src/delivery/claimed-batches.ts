import { ClaimedMessage } from '../state/delivery-claims';
import { DELIVERY_BATCH_SIZE } from './delivery.service';

/**
 * Batches of messages claimed on write being sent at once, at most. Two were too few for batch
 * prepares: while both waited on their completion's commit, writes kept coming, what waited
 * reached MAX_CLAIMED_WAITING and a third of the batches were handed off by id, to be claimed
 * again by a second transaction.
 */
export const MAX_CLAIMED_SENDING = 4;
/** Batches that may be sent at once whatever their bytes (see MAX_CLAIMED_BYTES). */
export const MIN_CLAIMED_SENDING = 2;
/**
 * Messages claimed on write waiting to be sent, at most: beyond it a write claims nothing (its
 * messages are handed off by id). Each holds its body, and its lease runs while it waits.
 */
export const MAX_CLAIMED_WAITING = 4 * DELIVERY_BATCH_SIZE;
/**
 * Bytes of bodies waiting, at most (see MAX_CLAIMED_WAITING); and beyond MIN_CLAIMED_SENDING
 * batches, another starts only while fewer than this are being sent (so what is being sent
 * holds at most this plus one batch, or MIN_CLAIMED_SENDING batches).
 */
export const MAX_CLAIMED_BYTES = 32 * 1024 * 1024;
/** A message waits this long at most for others to join its batch while a slot is free. */
export const GATHER_CAP_MS = 5;

/**
 * The messages claimed by the write that confirmed them, on their way to their first attempt: a
 * batch starts at once when none is being sent; while one is, the next gathers until it is full
 * or its oldest message has waited GATHER_CAP_MS, so under load one completion records many
 * sends and when idle a message goes at once. What waits is bounded in count and bytes (`room`),
 * what is being sent in batches and bytes; nothing here is dropped. Only these batches count
 * against MAX_CLAIMED_SENDING, so drains and hand-offs by id never hold them back.
 */
export class ClaimedBatches {
  private waiting: ClaimedMessage[] = [];
  private bytes = 0;
  private sending = 0;
  /** Bytes of bodies in the batches being sent. */
  private sendingBytes = 0;
  /** When the oldest waiting message arrived. */
  private since = 0;
  private timer?: NodeJS.Timeout;
  private closed = false;

  /** `start` sends one batch; it settles when the batch's outcomes are recorded. */
  constructor(private readonly start: (batch: ClaimedMessage[]) => Promise<unknown>) {}

  get length(): number {
    return this.waiting.length;
  }

  /** How many more claimed messages this takes now (none once closing). */
  room(): number {
    if (this.closed || this.bytes >= MAX_CLAIMED_BYTES) return 0;
    return Math.max(0, MAX_CLAIMED_WAITING - this.waiting.length);
  }

  push(messages: ClaimedMessage[]): void {
    if (this.waiting.length === 0) this.since = Date.now();
    for (const m of messages) {
      this.waiting.push(m);
      this.bytes += m.body.length;
    }
    this.pump();
  }

  /** Sends everything waiting now, whatever the limits (shutting down). */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.pump();
  }

  private pump(): void {
    while (this.waiting.length > 0 && (this.closed || this.slotFree())) {
      const due =
        this.closed ||
        this.sending === 0 ||
        this.waiting.length >= DELIVERY_BATCH_SIZE ||
        Date.now() - this.since >= GATHER_CAP_MS;
      if (!due) break;
      const batch = this.waiting.splice(0, DELIVERY_BATCH_SIZE);
      let bytes = 0;
      for (const m of batch) bytes += m.body.length;
      this.bytes -= bytes;
      this.sendingBytes += bytes;
      this.since = Date.now();
      this.sending++;
      void this.start(batch)
        .catch(() => undefined) // `start` reports its own failures
        .finally(() => {
          this.sending--;
          this.sendingBytes -= bytes;
          this.pump();
        });
    }
    // A batch that may wait for a free slot is started when one frees; otherwise at its cap.
    if (this.waiting.length > 0 && !this.timer && !this.closed && this.slotFree()) {
      this.timer = setTimeout(
        () => {
          this.timer = undefined;
          this.pump();
        },
        Math.max(1, this.since + GATHER_CAP_MS - Date.now()),
      );
    }
  }

  /** Another batch may start: fewer than the minimum are being sent, or the bytes allow it. */
  private slotFree(): boolean {
    return (
      this.sending < MIN_CLAIMED_SENDING ||
      (this.sending < MAX_CLAIMED_SENDING && this.sendingBytes < MAX_CLAIMED_BYTES)
    );
  }
}
