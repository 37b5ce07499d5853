import { Inject, Injectable, Optional } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** The `topic` label of topics past the bound. */
export const OTHER_TOPICS = '_other';

/**
 * The service's Prometheus metrics; backlog gauges are filled on scrape. Producers choose topic
 * names, so the `topic` label takes at most METRICS_MAX_TOPICS values (the first seen by this
 * instance); later topics are counted as `_other`.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly topics = new Set<string>();
  private readonly maxTopics: number;

  readonly transitions = new Counter({
    name: 'rms_transitions_total',
    help: 'Messages entering a status, by status, producer and topic',
    labelNames: ['status', 'producer', 'topic'] as const,
    registers: [this.registry],
  });

  readonly checkBacks = new Counter({
    name: 'rms_check_backs_total',
    help: 'Check-backs by producer and outcome (COMMITTED, ROLLED_BACK, UNKNOWN, error)',
    labelNames: ['producer', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly checkBackSeconds = new Histogram({
    name: 'rms_check_back_duration_seconds',
    help: 'Latency of check-back requests',
    labelNames: ['producer'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly sends = new Counter({
    name: 'rms_sends_total',
    help: 'Send attempts to the MQ by topic and outcome (sent, retry, failed)',
    labelNames: ['topic', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly confirmToReceipt = new Histogram({
    name: 'rms_confirm_to_receipt_seconds',
    help: "Time from confirm to the broker's receipt",
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly messages = new Gauge({
    name: 'rms_messages',
    help: 'Messages by status (backlog: PENDING, CONFIRMED; dead: FAILED)',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly oldestPendingAge = new Gauge({
    name: 'rms_oldest_pending_age_seconds',
    help: 'Age of the oldest PENDING message (0 when none)',
    registers: [this.registry],
  });

  readonly oldestConfirmedAge = new Gauge({
    name: 'rms_oldest_confirmed_age_seconds',
    help: 'Time since the oldest CONFIRMED message was confirmed (0 when none)',
    registers: [this.registry],
  });

  readonly blockedGroups = new Gauge({
    name: 'rms_blocked_groups',
    help: 'Message groups held back by a FAILED head (resend or cancel it)',
    registers: [this.registry],
  });

  readonly unconsumed = new Gauge({
    name: 'rms_unconsumed_messages',
    help: 'SENT messages older than RECONCILE_GRACE_MS that a consumer group never reported',
    labelNames: ['group', 'producer', 'topic'] as const,
    registers: [this.registry],
  });

  readonly consumerWatermark = new Gauge({
    name: 'rms_consumer_watermark',
    help: 'Every rms-seq up to this was reported handled by the consumer group',
    labelNames: ['group', 'producer', 'topic'] as const,
    registers: [this.registry],
  });

  readonly ready = new Gauge({
    name: 'rms_ready',
    help: 'This instance can do its work: every dependency its role needs answers (1) or not (0)',
    registers: [this.registry],
  });

  readonly dependencyUp = new Gauge({
    name: 'rms_dependency_up',
    help: 'A dependency (mysql, redis, mq) answered a round trip (1) or not (0)',
    labelNames: ['dependency'] as const,
    registers: [this.registry],
  });

  readonly alerts = new Counter({
    name: 'rms_alerts_total',
    help: 'Alerts raised, by type',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });

  constructor(@Optional() @Inject(APP_CONFIG) config?: AppConfig) {
    this.maxTopics = config?.metrics.maxTopics ?? 200;
    collectDefaultMetrics({ register: this.registry, prefix: 'rms_' }); // rms_process_cpu_seconds_total, rms_nodejs_heap_size_used_bytes, …
  }

  transition(status: string, producer: string, topic: string, count = 1): void {
    this.transitions.inc({ status, producer, topic: this.topic(topic) }, count);
  }

  send(topic: string, outcome: string, count = 1): void {
    this.sends.inc({ topic: this.topic(topic), outcome }, count);
  }

  /**
   * Counts the status changes of one commit: one increment per (status, producer, topic), by how
   * many there were, rather than one per message (each takes a labelled lookup in the counter).
   */
  transitionsOf(changes: readonly { to: string; producerId: string; topic: string }[]): void {
    for (const [[to, producer, topic], n] of tally(changes, (c) => [c.to, c.producerId, c.topic]))
      this.transition(to, producer, topic, n);
  }

  /** Counts the send outcomes of one batch: one increment per (topic, outcome). */
  sendsOf(outcomes: readonly { topic: string; outcome: string }[]): void {
    for (const [[topic, outcome], n] of tally(outcomes, (o) => [o.topic, o.outcome]))
      this.send(topic, outcome, n);
  }

  /** The label value for a topic: itself while the bound allows, else `_other`. */
  topic(topic: string): string {
    if (this.topics.has(topic)) return topic;
    if (this.topics.size >= this.maxTopics) return OTHER_TOPICS;
    this.topics.add(topic);
    return topic;
  }
}

/** How many of `items` share each key. */
function tally<T, K extends string[]>(items: readonly T[], key: (item: T) => K): [K, number][] {
  const counts = new Map<string, [K, number]>();
  for (const item of items) {
    const k = key(item);
    const id = k.join('\u0000');
    const entry = counts.get(id);
    if (entry) entry[1]++;
    else counts.set(id, [k, 1]);
  }
  return [...counts.values()];
}
