import { LIMITS } from '@app/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';

const SLUG = { message: 'must be a slug' };
const TOPIC = { message: 'topic must match ^[%a-zA-Z0-9_-]{1,127}$' };

export class ReconciliationQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(LIMITS.topicPattern, TOPIC)
  topic?: string;
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(LIMITS.producerIdPattern, SLUG)
  producerId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(LIMITS.producerIdPattern, SLUG)
  consumerGroup?: string;
}

export class ReconciliationResendDto {
  @ApiProperty() @IsString() @Matches(LIMITS.topicPattern, TOPIC) topic!: string;
  @ApiProperty() @IsString() @Matches(LIMITS.producerIdPattern, SLUG) producerId!: string;
  @ApiProperty() @IsString() @Matches(LIMITS.producerIdPattern, SLUG) consumerGroup!: string;
}

export class MissingMessageDto {
  @ApiProperty() seq!: number;
  @ApiProperty() messageId!: string;
  @ApiProperty() msgLogId!: string;
  @ApiProperty() sentAt!: string;
}

export class MissingDto {
  @ApiProperty({ description: 'all missing messages' }) total!: number;
  @ApiProperty({ type: [MissingMessageDto], description: 'the first 1,000, by seq' })
  items!: MissingMessageDto[];
}

export class ReconciliationRowDto {
  @ApiProperty() consumerGroup!: string;
  @ApiProperty() producerId!: string;
  @ApiProperty() topic!: string;
  @ApiProperty({ description: 'SENT messages with a seq' }) sent!: number;
  @ApiProperty() maxSentSeq!: number;
  @ApiProperty({ description: 'every seq up to here was reported' }) consumedWatermark!: number;
  @ApiProperty({ description: 'seq numbers reported in all' }) consumed!: number;
  @ApiProperty({ description: 'FAILED messages with a seq: gaps on purpose' }) failed!: number;
  @ApiProperty({
    type: MissingDto,
    description:
      'SENT since the group was registered, older than RECONCILE_GRACE_MS, never reported',
  })
  missing!: MissingDto;
}

export class ReconciliationDto {
  @ApiProperty({ type: [ReconciliationRowDto] }) items!: ReconciliationRowDto[];
}

export class ReconciliationResendResultDto {
  @ApiProperty({ description: 'messages resent' }) count!: number;
  @ApiProperty({ description: 'missing messages left for a further call' }) remaining!: number;
}
