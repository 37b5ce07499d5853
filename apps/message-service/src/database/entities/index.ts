import { MessageEventEntity } from './message-event.entity';
import { MessageEntity } from './message.entity';
import { ProducerEntity } from './producer.entity';

export { MessageEventEntity, MessageEntity, ProducerEntity };
export const ENTITIES = [ProducerEntity, MessageEntity, MessageEventEntity];
