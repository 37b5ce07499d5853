const HELP = {
  handled: 'Messages handled (their inbox row committed)',
  duplicates: 'Deliveries of messages the group had handled before, skipped',
  retried: 'Handler failures retried later',
  deadLettered: 'Messages given up after maxDeliveries',
  gapsReported: 'Holes in rms-seq reported',
  gapMessages: 'Sequence numbers in the reported holes',
} as const;

export type ConsumerCounter = keyof typeof HELP;

/** The consumer's counters, readable as numbers or as Prometheus text. */
export class ConsumerStats {
  private readonly counters = new Map<ConsumerCounter, number>();

  count(name: ConsumerCounter, n = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + n);
  }

  get(name: ConsumerCounter): number {
    return this.counters.get(name) ?? 0;
  }

  /** `rms_consumer_<name>_total` counters in the Prometheus text format, labelled by group. */
  prometheus(group: string): string {
    return (Object.keys(HELP) as ConsumerCounter[])
      .map((name) => {
        const metric = `rms_consumer_${name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}_total`;
        return `# HELP ${metric} ${HELP[name]}\n# TYPE ${metric} counter\n${metric}{group=${JSON.stringify(group)}} ${this.get(name)}`;
      })
      .join('\n')
      .concat('\n');
  }
}
