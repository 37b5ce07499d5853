import { BodyEncoding, LIMITS, PrepareMessageRequest } from '@app/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
} from 'class-validator';
import { HasNoControlCharacters, IsInstant, isPlainRecord, IsStringRecord } from './validators';

export const TAG_PATTERN = /^[^|]*$/;
export const MSG_LOG_URL_PATTERN = /^https?:\/\/[^\s]+$/i;
export const BODY_ENCODINGS: BodyEncoding[] = ['utf8', 'base64'];

/** The body of `POST /v1/messages`. */
export class PrepareMessageDto implements PrepareMessageRequest {
  @ApiProperty({ maxLength: 128, description: "the business's own id (its message-log row)" })
  @IsString()
  @Length(1, LIMITS.msgLogIdMaxLength)
  @HasNoControlCharacters()
  msgLogId!: string;

  @ApiProperty({ pattern: '^[%a-zA-Z0-9_-]{1,127}$', example: 'orders' })
  @IsString()
  @Matches(LIMITS.topicPattern, { message: 'topic must match ^[%a-zA-Z0-9_-]{1,127}$' })
  topic!: string;

  @ApiPropertyOptional({ maxLength: 128, example: 'created' })
  @IsOptional()
  @IsString()
  @Length(1, LIMITS.tagMaxLength)
  @Matches(TAG_PATTERN, { message: 'tag must not contain "|"' })
  @HasNoControlCharacters()
  tag?: string;

  @ApiPropertyOptional({ type: [String], maxItems: 32 })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIMITS.keysMaxCount)
  @IsString({ each: true })
  @Length(1, LIMITS.keyMaxLength, { each: true })
  @HasNoControlCharacters({ each: true })
  keys?: string[];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    maxProperties: LIMITS.propertiesMaxCount,
    description:
      `names ${LIMITS.propertyNamePattern.source}, not starting with rms- (reserved) nor naming a member every object has (toString, constructor, …); values ` +
      `at most ${LIMITS.propertyValueMaxLength} characters without control characters; at most ` +
      `${LIMITS.propertiesMaxBytes} bytes as JSON`,
  })
  @IsOptional()
  @IsStringRecord()
  // As sent: class-transformer's own copy would drop names an object already has (toString, …),
  // which IsStringRecord refuses.
  @Transform(({ obj }: { obj: { properties?: unknown } }) =>
    isPlainRecord(obj.properties) ? { ...obj.properties } : obj.properties,
  )
  properties?: Record<string, string>;

  @ApiProperty({ description: 'the payload; at most MAX_BODY_BYTES after decoding' })
  @IsString()
  @Length(1, undefined, { message: 'body must not be empty' })
  body!: string;

  @ApiPropertyOptional({ enum: ['utf8', 'base64'], default: 'utf8' })
  @IsOptional()
  @IsIn(BODY_ENCODINGS)
  bodyEncoding?: BodyEncoding;

  @ApiPropertyOptional({ maxLength: 128, description: 'FIFO group (RocketMQ)' })
  @IsOptional()
  @IsString()
  @Length(1, LIMITS.messageGroupMaxLength)
  @HasNoControlCharacters()
  messageGroup?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description:
      'not delivered before this instant: RFC 3339 with a zone, at most DELIVER_AT_MAX_MS ' +
      '(default 40 days) ahead; a past instant means now',
  })
  @IsOptional()
  @IsInstant()
  deliverAt?: string;

  @ApiPropertyOptional({
    description: "check-back URL: the producer's check-back origin or an allowed origin",
  })
  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.msgLogUrlMaxLength)
  @Matches(MSG_LOG_URL_PATTERN, { message: 'msgLogUrl must be an http(s) URL' })
  msgLogUrl?: string;

  @ApiPropertyOptional({
    default: false,
    description: 'the business already committed: deliver now',
  })
  @IsOptional()
  @IsBoolean()
  confirmed?: boolean;
}
