import { BodyEncoding, LIMITS, PrepareMessageRequest } from '@app/contracts';
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
  @IsString()
  @Length(1, LIMITS.msgLogIdMaxLength)
  msgLogId!: string;

  @IsString()
  @Matches(LIMITS.topicPattern, { message: 'topic must match ^[%a-zA-Z0-9_-]{1,127}$' })
  topic!: string;

  @IsOptional()
  @IsString()
  @Length(1, LIMITS.tagMaxLength)
  @Matches(/^[^|]*$/, { message: 'tag must not contain "|"' })
  tag?: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIMITS.keysMaxCount)
  @IsString({ each: true })
  @Length(1, LIMITS.keyMaxLength, { each: true })
  keys?: string[];

  @IsOptional()
  @IsStringRecord()
  properties?: Record<string, string>;

  @IsString()
  @Length(1, undefined, { message: 'body must not be empty' })
  body!: string;

  @IsOptional()
  @IsIn(['utf8', 'base64'])
  bodyEncoding?: BodyEncoding;

  @IsOptional()
  @IsString()
  @Length(1, LIMITS.messageGroupMaxLength)
  messageGroup?: string;

  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'deliverAt must be an ISO-8601 date-time' })
  deliverAt?: string;

  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.msgLogUrlMaxLength)
  @Matches(/^https?:\/\/[^\s]+$/i, { message: 'msgLogUrl must be an http(s) URL' })
  msgLogUrl?: string;

  @IsOptional()
  @IsBoolean()
  confirmed?: boolean;
}
