/** Every BullMQ queue of the service. */
export enum QueueName {
  /** The delivery sweep (a BullMQ job scheduler). */
  SWEEPS = 'rms-sweeps',
  /** The check-back sweep (a job scheduler). */
  CHECK_BACKS = 'rms-check-backs',
  /** Retention and the look for unconsumed messages (job schedulers). */
  MAINTENANCE = 'rms-maintenance',
  /** Deliveries handed over by instances that do not run workers (ROLE=api). */
  DELIVERY = 'rms-delivery',
}

export enum JobName {
  SWEEP_CONFIRMED = 'sweep-confirmed',
  SWEEP_PENDING = 'sweep-pending',
  RETENTION = 'retention',
  RECONCILE = 'reconcile',
  DELIVER = 'deliver',
}

/**
 * The queue of each scheduled job. Each queue has one job at a time per worker instance, so a
 * kind of sweep never runs twice at once on an instance, and the next one waits for an instance
 * where none runs; different queues run side by side, so that check-backs waiting on a business
 * that does not answer hold up neither retries nor recovery (and a long drain no check-back).
 */
export const SCHEDULED_IN = {
  [JobName.SWEEP_CONFIRMED]: QueueName.SWEEPS,
  [JobName.SWEEP_PENDING]: QueueName.CHECK_BACKS,
  [JobName.RETENTION]: QueueName.MAINTENANCE,
  [JobName.RECONCILE]: QueueName.MAINTENANCE,
} as const;
export type ScheduledJob = keyof typeof SCHEDULED_IN;

/** The payload of each job. */
export interface JobPayloads {
  [JobName.SWEEP_CONFIRMED]: Record<string, never>;
  [JobName.SWEEP_PENDING]: Record<string, never>;
  [JobName.RETENTION]: Record<string, never>;
  [JobName.RECONCILE]: Record<string, never>;
  [JobName.DELIVER]: { ids: string[] };
}

/** Finished jobs are dropped: MySQL holds the history, Redis only the work in flight. */
export const DEFAULT_JOB_OPTIONS = {
  removeOnComplete: true,
  removeOnFail: 100,
  attempts: 1,
} as const;
