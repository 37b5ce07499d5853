import { MessageStatus } from '@app/contracts';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AlertService } from '../alerts/alert.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { OperatorTransitions } from '../state/operator-transitions';
import {
  MissingMessages,
  NumberedMessage,
  NumberedPair,
  SequenceReads,
} from '../state/sequence-reads';
import { ConsumerGroup } from './consumer-group';
import { ConsumerGroupsService } from './consumer-groups.service';
import { holesOf, ReceiptState } from './receipt-ranges';
import { ReceiptRepository, StoredReceipts } from './receipt.repository';

export interface ReconciliationFilter {
  topic?: string;
  producerId?: string;
  consumerGroup?: string;
}

/** What one group handled of one (producer, topic), against what the service sent. */
export interface ReconciliationRow {
  consumerGroup: string;
  producerId: string;
  topic: string;
  sent: number;
  maxSentSeq: number;
  consumedWatermark: number;
  consumed: number;
  failed: number;
  /** SENT messages older than the grace that the group never reported (the first `limit`). */
  missing: { total: number; items: NumberedMessage[] };
}

type Scope = { group: ConsumerGroup; pair: NumberedPair; receipts: ReceiptState; floor: number };

/** How many missing messages a row lists, and a resend takes, at most. */
export const MISSING_LIMIT = 1_000;
/** Unconsumed alerts already raised (by group, pair and oldest message), at most. */
const RAISED_MAX = 10_000;

/**
 * Reconciliation of what consumer groups reported (receipts) with what the service sent: the
 * messages a group never handled, the resend of those, and the alert when some stay unconsumed.
 * Only messages sent since the group was registered count: it is not expected to have handled
 * what came before it.
 */
@Injectable()
export class ReconciliationService {
  private readonly logger = new Logger('Reconciliation');
  private readonly raised = new Set<string>();

  constructor(
    private readonly groups: ConsumerGroupsService,
    private readonly receipts: ReceiptRepository,
    private readonly sequences: SequenceReads,
    private readonly transitions: OperatorTransitions,
    private readonly alerts: AlertService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** One row per (group, producer, topic) matching the filter, with counts from MySQL. */
  async rows(filter: ReconciliationFilter, limit = MISSING_LIMIT): Promise<ReconciliationRow[]> {
    const rows: ReconciliationRow[] = [];
    for (const s of await this.scope(filter)) {
      const counts = await this.sequences.counts(s.pair);
      const { total, items } = await this.missing(s, limit);
      rows.push({
        consumerGroup: s.group.id,
        producerId: s.pair.producerId,
        topic: s.pair.topic,
        sent: counts.sent,
        maxSentSeq: counts.maxSentSeq,
        consumedWatermark: s.receipts.watermark,
        consumed: 'consumed' in s.receipts ? (s.receipts as StoredReceipts).consumed : 0,
        failed: counts.failed,
        missing: { total, items },
      });
    }
    return rows;
  }

  /** Watermarks and missing totals only (no counts, no items): for the metrics gauges. */
  async gauges(): Promise<{ key: ReconciliationFilter; watermark: number; missing: number }[]> {
    const out = [];
    for (const s of await this.scope({})) {
      const missing = await this.missing(s, 0);
      out.push({
        key: { consumerGroup: s.group.id, producerId: s.pair.producerId, topic: s.pair.topic },
        watermark: s.receipts.watermark,
        missing: missing.total,
      });
    }
    return out;
  }

  /** Resends the group's missing messages of one (producer, topic); returns how many. */
  async resend(
    key: Required<ReconciliationFilter>,
    actor: string,
  ): Promise<{ count: number; remaining: number }> {
    const [row] = await this.rows(key);
    if (!row) return { count: 0, remaining: 0 };
    const count = await this.transitions.resendMany(
      row.missing.items.map((m) => m.messageId),
      MessageStatus.SENT,
      { actor, reason: `reconciliation of consumer group ${key.consumerGroup}`, reconcile: key },
    );
    this.logger.log(
      `${actor} resent ${count} message(s) missing for ${key.consumerGroup} (${key.producerId}/${key.topic})`,
    );
    return { count, remaining: Math.max(0, row.missing.total - count) };
  }

  /**
   * Raises UNCONSUMED_MESSAGES for each (group, producer, topic) whose longest-missing message was
   * sent more than twice the grace ago (it stayed unconsumed a whole further grace), once per
   * first missing message. Returns how many rows have missing messages. Reads no counts.
   */
  async checkUnconsumed(): Promise<number> {
    let rowsMissing = 0;
    for (const s of await this.scope({})) {
      const missing = await this.missing(s, 1);
      if (missing.total === 0) continue;
      rowsMissing++;
      if ((missing.oldestAgeMs ?? 0) < 2 * this.config.reconcileGraceMs) continue;
      const first = missing.items[0];
      const id = [s.group.id, s.pair.producerId, s.pair.topic, first.messageId].join('\u0000');
      if (this.raised.has(id)) continue;
      if (this.raised.size >= RAISED_MAX) this.raised.clear();
      this.raised.add(id);
      this.alerts.raise({
        type: 'UNCONSUMED_MESSAGES',
        consumerGroup: s.group.id,
        producerId: s.pair.producerId,
        topic: s.pair.topic,
        missing: missing.total,
        oldestMissingAgeMs: missing.oldestAgeMs ?? 0,
        firstMissingSeq: first.seq,
        firstMissingMessageId: first.messageId,
      });
    }
    return rowsMissing;
  }

  /** The groups, their numbered (producer, topic) pairs and stored receipts, per the filter. */
  private async scope(filter: ReconciliationFilter): Promise<Scope[]> {
    const groups =
      filter.consumerGroup !== undefined
        ? [await this.groups.get(filter.consumerGroup)]
        : (await this.groups.list()).filter((g) => g.enabled);
    const stored = await this.receipts.ofGroups(groups.map((g) => g.id));
    const out: Scope[] = [];
    for (const group of groups) {
      const topics = group.topics.filter((t) => filter.topic === undefined || t === filter.topic);
      for (const pair of await this.sequences.pairs(topics, filter.producerId)) {
        const receipts = stored.find(
          (r) =>
            r.consumerGroupId === group.id &&
            r.producerId === pair.producerId &&
            r.topic === pair.topic,
        );
        out.push({
          group,
          pair,
          receipts: receipts ?? { watermark: 0, ranges: [] },
          floor: receipts?.floor ?? 0,
        });
      }
    }
    return out;
  }

  /** The SENT messages in the holes of the receipts, above where the group started. */
  private missing(s: Scope, limit: number): Promise<MissingMessages> {
    const from = { watermark: Math.max(s.receipts.watermark, s.floor), ranges: s.receipts.ranges };
    const holes = holesOf(from, s.pair.lastSeq);
    if (holes.length === 0) return Promise.resolve({ total: 0, items: [], oldestAgeMs: null });
    return this.sequences.sentInHoles(
      s.pair,
      holes,
      s.group.createdAt,
      this.config.reconcileGraceMs,
      limit,
    );
  }
}
