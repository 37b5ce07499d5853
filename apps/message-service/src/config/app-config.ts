export type Role = 'api' | 'worker' | 'all';
export type MqDriverName = 'redis' | 'rocketmq';

/** The service's configuration, validated once at start (see `loadConfig`). */
export interface AppConfig {
  port: number;
  role: Role;
  databaseUrl: string;
  redisUrl: string;
  adminToken: string;
  /** True when ADMIN_TOKEN was unset and the token was generated at start. */
  adminTokenGenerated: boolean;
  maxBodyBytes: number;
  sweepIntervalMs: number;
  claimTimeoutMs: number;
  mq: {
    driver: MqDriverName;
    /** Where the `redis` driver writes its streams; defaults to REDIS_URL. */
    redisUrl: string;
    rocketmq: {
      endpoints?: string;
      namespace?: string;
      accessKey?: string;
      secretKey?: string;
    };
  };
  checkBack: {
    delayMs: number;
    giveUpMs: number;
    timeoutMs: number;
    concurrency: number;
  };
  retry: {
    baseMs: number;
    maxMs: number;
  };
  delivery: {
    maxAttempts: number;
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');
