/** Per-producer overrides of the service-wide check-back settings; null = use the default. */
export interface ProducerPolicy {
  checkBackDelayMs: number | null;
  checkBackGiveUpMs: number | null;
  checkBackTimeoutMs: number | null;
  checkBackConcurrency: number | null;
}

export interface Producer {
  id: string;
  name: string;
  checkBackUrl: string;
  allowedCheckBackOrigins: string[];
  signingSecret: string;
  enabled: boolean;
  policy: ProducerPolicy;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewProducer {
  id: string;
  name: string;
  checkBackUrl: string;
  allowedCheckBackOrigins: string[];
  apiKeyHash: string;
  signingSecret: string;
  policy: ProducerPolicy;
}

/** Changes to a producer; absent fields stay as they are (a policy value of null = default). */
export interface ProducerPatch {
  name?: string;
  checkBackUrl?: string;
  allowedCheckBackOrigins?: string[];
  enabled?: boolean;
  policy?: Partial<ProducerPolicy>;
  apiKeyHash?: string;
  signingSecret?: string;
}
