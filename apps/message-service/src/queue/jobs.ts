/** Every BullMQ queue of the service. */
export enum QueueName {
  /** Scheduled sweeps (BullMQ job schedulers). */
  SWEEPS = 'rms-sweeps',
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
