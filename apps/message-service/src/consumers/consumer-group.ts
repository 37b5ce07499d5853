/** A registered consumer group. */
export interface ConsumerGroup {
  id: string;
  topics: string[];
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}
