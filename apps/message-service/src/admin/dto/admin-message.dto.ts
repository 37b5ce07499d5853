import {
  LIMITS,
  MESSAGE_STATUS_NAMES,
  MessageStatus,
  MessageStatusName,
  parseStatus,
} from '@app/contracts';
import { ApiProperty, ApiPropertyOptional, IntersectionType, PickType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { MessageViewDto } from '../../messages/dto/message-view.dto';
import { IsInstant } from '../../messages/dto/validators';
import { MessageEvent } from '../../state/message';

const upper = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string'
    ? parseStatus(value) !== undefined
      ? MessageStatus[parseStatus(value)!]
      : value
    : value;

export class SearchMessagesQueryDto {
  @ApiPropertyOptional({ enum: MESSAGE_STATUS_NAMES, description: 'name, or code 0-4' })
  @IsOptional()
  @Transform(upper)
  @IsIn(MESSAGE_STATUS_NAMES, {
    message: `status must be one of ${MESSAGE_STATUS_NAMES.join(', ')}`,
  })
  status?: MessageStatusName;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(LIMITS.producerIdPattern, { message: 'producerId must be a producer id (a slug)' })
  producerId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(LIMITS.topicPattern, { message: 'topic must match ^[%a-zA-Z0-9_-]{1,127}$' })
  topic?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, LIMITS.msgLogIdMaxLength)
  msgLogId?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'RFC 3339 with a zone' })
  @IsOptional()
  @IsInstant()
  createdFrom?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'RFC 3339 with a zone' })
  @IsOptional()
  @IsInstant()
  createdTo?: string;

  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @Matches(LIMITS.messageIdPattern, { message: 'cursor is not a message id' })
  cursor?: string;
}

export class MessagePageDto {
  @ApiProperty({ type: [MessageViewDto] }) items!: MessageViewDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class MessageEventDto {
  @ApiProperty() id!: number;
  @ApiProperty({ example: 'CHECK_BACK' }) type!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({
    nullable: true,
    type: Object,
    description: 'HTTP status, latency, error, actor, …',
  })
  detail!: Record<string, unknown> | null;

  static of(e: MessageEvent): MessageEventDto {
    return { id: e.id, type: e.type, at: e.at.toISOString(), detail: e.detail };
  }
}

export class MessageWithEventsDto extends MessageViewDto {
  @ApiProperty({ type: [MessageEventDto], description: 'the timeline, oldest first' })
  events!: MessageEventDto[];
}

export class ResendDto {
  @ApiPropertyOptional({ example: 'topic created, resending' })
  @IsOptional()
  @IsString()
  @Length(1, 512)
  reason?: string;
}

export class BulkResendDto extends IntersectionType(
  ResendDto,
  PickType(SearchMessagesQueryDto, ['producerId', 'topic'] as const),
) {
  @ApiProperty({ enum: ['FAILED', 'SENT', 'CANCELLED'] })
  @Transform(upper)
  @IsIn(['FAILED', 'SENT', 'CANCELLED'], { message: 'status must be FAILED, SENT or CANCELLED' })
  status!: 'FAILED' | 'SENT' | 'CANCELLED';

  @ApiPropertyOptional({ default: 1000, minimum: 1, maximum: 100000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  limit?: number;
}

export class CountDto {
  @ApiProperty() count!: number;
}

export class AdminCancelDto {
  @ApiProperty({ example: 'duplicate order, refunded by hand' })
  @IsString()
  @Length(1, 512)
  reason!: string;
}

export class StatusCountDto {
  @ApiProperty() producerId!: string;
  @ApiProperty() topic!: string;
  @ApiProperty({ enum: MESSAGE_STATUS_NAMES }) status!: MessageStatusName;
  @ApiProperty() count!: number;
}

export class BlockedGroupDto {
  @ApiProperty() producerId!: string;
  @ApiProperty() topic!: string;
  @ApiProperty() messageGroup!: string;
  @ApiProperty({ description: 'the FAILED message holding the group back' })
  headMessageId!: string;
  @ApiProperty({ description: 'CONFIRMED messages of the group waiting behind it' })
  waiting!: number;
}

export class FailingProducerDto {
  @ApiProperty() producerId!: string;
  @ApiProperty({ description: 'PENDING messages whose last check-back failed' }) messages!: number;
  @ApiProperty() error!: string;
}

export class StatsDto {
  @ApiProperty({ type: [StatusCountDto], description: 'by status × producer × topic' })
  counts!: StatusCountDto[];
  @ApiProperty({
    description: 'messages per status, all producers',
    example: { PENDING: 3, SENT: 1200 },
  })
  totals!: Record<string, number>;
  @ApiProperty({ nullable: true, type: Number }) oldestPendingAgeMs!: number | null;
  @ApiProperty({ nullable: true, type: Number }) oldestConfirmedAgeMs!: number | null;
  @ApiProperty({ description: 'FAILED messages' }) dead!: number;
  @ApiProperty() sentLastMinute!: number;
  @ApiProperty({
    type: [BlockedGroupDto],
    description: 'message groups whose head is FAILED: resend or cancel it to let them go on',
  })
  blockedGroups!: BlockedGroupDto[];
  @ApiProperty({
    type: [FailingProducerDto],
    description: 'producers whose check-backs fail (an error, not an UNKNOWN answer)',
  })
  failingProducers!: FailingProducerDto[];
}
