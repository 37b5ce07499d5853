import { Injectable } from '@nestjs/common';
import { ForbiddenError, ValidationFailedError } from '../common/domain-errors';
import { ConsumerGroup } from './consumer-group';
import { ReceiptState, SeqRange } from './receipt-ranges';
import { ReceiptRepository } from './receipt.repository';

/** Separate ranges a group may keep per (producer, topic): holes it leaves open, in effect. */
export const MAX_STORED_RANGES = 10_000;

export interface ReportReceipts {
  topic: string;
  producerId: string;
  ranges: unknown[];
}

/** Receipts: what a consumer group reports it handled, stored as a compact union. */
@Injectable()
export class ReceiptsService {
  constructor(private readonly receipts: ReceiptRepository) {}

  async report(group: ConsumerGroup, report: ReportReceipts): Promise<ReceiptState> {
    if (!group.topics.includes(report.topic)) {
      throw new ForbiddenError(
        `consumer group "${group.id}" is not registered for topic "${report.topic}"`,
      );
    }
    const ranges = report.ranges.map((r, i) => rangeOf(r, i));
    const state = await this.receipts.add(
      group.id,
      report.producerId,
      report.topic,
      ranges,
      MAX_STORED_RANGES,
    );
    if (!state) {
      // Nothing of this report is stored: its numbers show as missing, where an operator sees them.
      throw ValidationFailedError.field(
        'ranges',
        `would leave over ${MAX_STORED_RANGES} separate ranges above the watermark: report contiguous runs`,
      );
    }
    return state;
  }

  /** What the group has reported of one (producer, topic) so far. */
  reported(group: ConsumerGroup, producerId: string, topic: string): Promise<ReceiptState> {
    if (!group.topics.includes(topic)) {
      throw new ForbiddenError(
        `consumer group "${group.id}" is not registered for topic "${topic}"`,
      );
    }
    return this.receipts.find(group.id, producerId, topic);
  }
}

/** `[from, to]`: whole numbers, 1 ≤ from ≤ to. */
function rangeOf(value: unknown, i: number): SeqRange {
  const ok =
    Array.isArray(value) &&
    value.length === 2 &&
    value.every((n) => Number.isSafeInteger(n) && (n as number) >= 1) &&
    (value[0] as number) <= (value[1] as number);
  if (!ok) {
    throw ValidationFailedError.field(
      `ranges.${i}`,
      'must be [fromSeq, toSeq]: whole numbers with 1 ≤ fromSeq ≤ toSeq',
    );
  }
  return value as SeqRange;
}
