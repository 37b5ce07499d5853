import { BodyEncoding, LIMITS, PrepareMessageRequest } from '@app/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsISO8601,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateBy,
  ValidationOptions,
} from 'class-validator';

/** A flat object of string values with bounded names, count and sizes, no reserved names. */
function IsStringRecord(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStringRecord',
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
          const entries = Object.entries(value);
          return (
            entries.length <= LIMITS.propertiesMaxCount &&
            entries.every(
              ([k, v]) =>
                typeof v === 'string' &&
                k.length > 0 &&
                k.length <= LIMITS.propertyNameMaxLength &&
                v.length <= LIMITS.propertyValueMaxLength &&
                !k.toLowerCase().startsWith(LIMITS.reservedPropertyPrefix),
            )
          );
        },
        defaultMessage: () =>
          `properties must be an object of at most ${LIMITS.propertiesMaxCount} string values, ` +
          `names 1-${LIMITS.propertyNameMaxLength} characters not starting with "${LIMITS.reservedPropertyPrefix}", ` +
          `values at most ${LIMITS.propertyValueMaxLength} characters`,
      },
    },
    options,
  );
}

/** The body of `POST /v1/messages`. */
export class PrepareMessageDto implements PrepareMessageRequest {
  @ApiProperty({ maxLength: 128, description: "the business's own id (its message-log row)" })
  @IsString()
  @Length(1, LIMITS.msgLogIdMaxLength)
  msgLogId!: string;

  @ApiProperty({ pattern: '^[%a-zA-Z0-9_-]{1,127}$', example: 'orders' })
  @IsString()
  @Matches(LIMITS.topicPattern, { message: 'topic must match ^[%a-zA-Z0-9_-]{1,127}$' })
  topic!: string;

  @ApiPropertyOptional({ maxLength: 128, example: 'created' })
  @IsOptional()
  @IsString()
  @Length(1, LIMITS.tagMaxLength)
  @Matches(/^[^|]*$/, { message: 'tag must not contain "|"' })
  tag?: string;

  @ApiPropertyOptional({ type: [String], maxItems: 32 })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIMITS.keysMaxCount)
  @IsString({ each: true })
  @Length(1, LIMITS.keyMaxLength, { each: true })
  keys?: string[];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'names starting with rms- are reserved',
  })
  @IsOptional()
  @IsStringRecord()
  properties?: Record<string, string>;

  @ApiProperty({ description: 'the payload; at most MAX_BODY_BYTES after decoding' })
  @IsString()
  @Length(1, undefined, { message: 'body must not be empty' })
  body!: string;

  @ApiPropertyOptional({ enum: ['utf8', 'base64'], default: 'utf8' })
  @IsOptional()
  @IsIn(['utf8', 'base64'])
  bodyEncoding?: BodyEncoding;

  @ApiPropertyOptional({ maxLength: 128, description: 'FIFO group (RocketMQ)' })
  @IsOptional()
  @IsString()
  @Length(1, LIMITS.messageGroupMaxLength)
  messageGroup?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'not delivered before this time' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'deliverAt must be an ISO-8601 date-time' })
  deliverAt?: string;

  @ApiPropertyOptional({
    description: "check-back URL: the producer's check-back origin or an allowed origin",
  })
  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.msgLogUrlMaxLength)
  @Matches(/^https?:\/\/[^\s]+$/i, { message: 'msgLogUrl must be an http(s) URL' })
  msgLogUrl?: string;

  @ApiPropertyOptional({
    default: false,
    description: 'the business already committed: deliver now',
  })
  @IsOptional()
  @IsBoolean()
  confirmed?: boolean;
}
