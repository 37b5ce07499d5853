import { MessageEventEntity } from './message-event.entity';
import { MessageEntity } from './message.entity';
import { ProducerEntity } from './producer.entity';
import { TopicSequenceEntity } from './topic-sequence.entity';

export { MessageEventEntity, MessageEntity, ProducerEntity, TopicSequenceEntity };
export const ENTITIES = [ProducerEntity, MessageEntity, MessageEventEntity, TopicSequenceEntity];
