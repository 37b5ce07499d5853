export type Role = 'api' | 'worker' | 'all';
export type MqDriverName = 'redis' | 'rocketmq' | 'rabbitmq';

/** The service's configuration, validated once at start (see `loadConfig`). */
export interface AppConfig {
  port: number;
  role: Role;
  databaseUrl: string;
  redisUrl: string;
  /** Key prefix of every BullMQ key; instances that share work share it. */
  queuePrefix: string;
  adminToken: string;
  /** True when ADMIN_TOKEN was unset and the token was generated at start. */
  adminTokenGenerated: boolean;
  maxBodyBytes: number;
  /** Messages per second per producer (0 = no limit), with a burst of one second's worth. */
  rateLimitPerSecond: number;
  /** How far ahead a `deliverAt` may be. */
  deliverAtMaxMs: number;
  /** Milliseconds a SIGTERM waits for requests, sends and completions in flight. */
  shutdownGraceMs: number;
  /** A SENT message a consumer group has not reported this long after its send is missing. */
  reconcileGraceMs: number;
  metrics: {
    /** When set, /metrics requires `Authorization: Bearer <token>`. */
    token?: string;
    /** Distinct `topic` label values; further topics count as `_other`. */
    maxTopics: number;
  };
  sweepIntervalMs: number;
  claimTimeoutMs: number;
  mq: {
    driver: MqDriverName;
    /** Where the `redis` driver writes its streams; defaults to REDIS_URL. */
    redisUrl: string;
    /** Streams are trimmed to about this many entries (`XADD … MAXLEN ~`). */
    redisStreamMaxLen: number;
    rocketmq: {
      endpoints?: string;
      namespace?: string;
      accessKey?: string;
      secretKey?: string;
    };
    rabbitmq: {
      /** `amqp://` or `amqps://`. */
      url: string;
      /** The durable topic exchange messages are published to (routing key = topic). */
      exchange: string;
    };
  };
  checkBack: {
    delayMs: number;
    giveUpMs: number;
    timeoutMs: number;
    concurrency: number;
    /** Check-backs to addresses in these CIDRs are refused, after DNS resolution. */
    denyCidrs: string[];
  };
  retry: {
    baseMs: number;
    maxMs: number;
  };
  delivery: {
    maxAttempts: number;
  };
  /** `json` (one JSON object per line) or `pretty` (coloured text for a terminal). */
  logFormat: 'json' | 'pretty';
  /** Where alerts are POSTed (JSON); undefined = log only. */
  alertWebhookUrl?: string;
  /** SENT and CANCELLED messages older than this many days are deleted; FAILED never are. */
  retentionDays: number;
  /**
   * V8 grows the old generation by this percentage over the live heap before the next full
   * collection (`--heap-growing-percent`); 0 leaves V8's own factor (up to 4x).
   */
  heapGrowingPercent: number;
}

export const APP_CONFIG = Symbol('APP_CONFIG');
