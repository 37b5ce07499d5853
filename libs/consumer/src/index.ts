/**
 * @rms/consumer — the consumer SDK of the Reliable Message Service.
 *
 * `RmsConsumer` reads what the service delivers (Redis Streams, RocketMQ or RabbitMQ), acknowledges only
 * after the handler committed, de-duplicates through an inbox in the consumer's own database,
 * retries and dead-letters failures, keeps each messageGroup in order and reports gaps in the
 * service's sequence numbers.
 */
export { RmsConsumer } from './rms-consumer';
export type { RmsConsumerOptions } from './rms-consumer';
export type { RmsMessage } from './message';
export type { Gap } from './gap-tracker';
export { ConsumerStats } from './stats';
export type { ConsumerCounter } from './stats';
export { ConsumerStore, NotCommittedError } from './consumer-store';
export { GapTracker } from './gap-tracker';
export { ReceiptRefusedError } from './receipt-reporter';
export type { ReceiptOptions } from './receipt-reporter';
export { declareRabbitMqGroup, rabbitMqQueueNames } from './sources/rabbitmq-source';
export type { RabbitMqGroupOptions } from './sources/rabbitmq-source';
