import { BullModule } from '@nestjs/bullmq';
import { DynamicModule } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';

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
  DELIVER = 'deliver',
}

/** The payload of each job. */
export interface JobPayloads {
  [JobName.SWEEP_CONFIRMED]: Record<string, never>;
  [JobName.SWEEP_PENDING]: Record<string, never>;
  [JobName.RETENTION]: Record<string, never>;
  [JobName.DELIVER]: { ids: string[] };
}

/** Finished jobs are dropped: MySQL holds the history, Redis only the work in flight. */
export const DEFAULT_JOB_OPTIONS = {
  removeOnComplete: true,
  removeOnFail: 100,
  attempts: 1,
} as const;

/** Key prefix of every BullMQ key of the service. */
export const BULL_PREFIX = 'rms-bull';

/** ioredis options from a `redis://user:pass@host:port/db` URL. */
export function redisConnection(url: string) {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** Connection options of BullMQ queues and workers (blocking commands need no retry limit). */
export function bullConnection(redisUrl: string) {
  return { ...redisConnection(redisUrl), maxRetriesPerRequest: null };
}

/** Registers one queue of the service with its connection and prefix (for a module's imports). */
export function registerQueue(name: QueueName): DynamicModule {
  return BullModule.registerQueueAsync({
    name,
    inject: [APP_CONFIG],
    useFactory: (config: AppConfig) => ({
      connection: bullConnection(config.redisUrl),
      prefix: BULL_PREFIX,
    }),
  });
}
