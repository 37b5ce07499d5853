import { LIMITS } from '@app/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsOptional,
  IsString,
  Matches,
} from 'class-validator';
import { ConsumerGroup } from '../../consumers/consumer-group';

const TOPIC_MESSAGE = { each: true, message: 'each topic must match ^[%a-zA-Z0-9_-]{1,127}$' };

export class RegisterConsumerGroupDto {
  @ApiProperty({
    example: 'points-service',
    description: 'slug: lowercase letters, digits, - and _',
  })
  @IsString()
  @Matches(LIMITS.producerIdPattern, { message: 'id must be a slug of at most 64 characters' })
  id!: string;

  @ApiProperty({ type: [String], example: ['order-paid'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Matches(LIMITS.topicPattern, TOPIC_MESSAGE)
  topics!: string[];
}

export class UpdateConsumerGroupDto {
  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Matches(LIMITS.topicPattern, TOPIC_MESSAGE)
  topics?: string[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class ConsumerGroupViewDto {
  @ApiProperty() id!: string;
  @ApiProperty({ type: [String] }) topics!: string[];
  @ApiProperty() enabled!: boolean;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;

  static of(g: ConsumerGroup): ConsumerGroupViewDto {
    return {
      id: g.id,
      topics: g.topics,
      enabled: g.enabled,
      createdAt: g.createdAt.toISOString(),
      updatedAt: g.updatedAt.toISOString(),
    };
  }
}

export class ConsumerGroupCredentialsDto {
  @ApiProperty({ type: ConsumerGroupViewDto }) group!: ConsumerGroupViewDto;
  @ApiProperty({ description: 'shown once: the key for POST /v1/receipts' }) apiKey!: string;
}
