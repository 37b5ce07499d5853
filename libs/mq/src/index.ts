export * from './mq-driver';
export * from './redis-stream.driver';
export * from './rocketmq.driver';
