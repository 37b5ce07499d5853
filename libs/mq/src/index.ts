export * from './mq-driver';
export * from './redis-stream.driver';
export * from './rocketmq.driver';
export * from './rabbitmq.driver';
