import { ConsumerGroupEntity } from './consumer-group.entity';
import { ConsumerReceiptEntity } from './consumer-receipt.entity';
import { MessageEventEntity } from './message-event.entity';
import { MessageEntity } from './message.entity';
import { ProducerEntity } from './producer.entity';
import { TopicSequenceEntity } from './topic-sequence.entity';

export {
  ConsumerGroupEntity,
  ConsumerReceiptEntity,
  MessageEventEntity,
  MessageEntity,
  ProducerEntity,
  TopicSequenceEntity,
};
export const ENTITIES = [
  ProducerEntity,
  MessageEntity,
  MessageEventEntity,
  TopicSequenceEntity,
  ConsumerGroupEntity,
  ConsumerReceiptEntity,
];
