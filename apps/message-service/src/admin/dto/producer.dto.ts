import { LIMITS } from '@app/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { Producer } from '../../producers/producer';

const HTTP_URL = /^https?:\/\/\S+$/i;

/** Per-producer overrides of the check-back settings; null restores the service default. */
export class ProducerPolicyDto {
  @ApiPropertyOptional({ nullable: true, description: 'first check-back after prepare (ms)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(86_400_000)
  checkBackDelayMs?: number | null;

  @ApiPropertyOptional({
    nullable: true,
    description: 'UNKNOWN answers this long after prepare cancel (ms)',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(30 * 86_400_000)
  checkBackGiveUpMs?: number | null;

  @ApiPropertyOptional({ nullable: true, description: 'timeout of one check-back request (ms)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(600_000)
  checkBackTimeoutMs?: number | null;

  @ApiPropertyOptional({ nullable: true, description: 'concurrent check-backs per instance' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  checkBackConcurrency?: number | null;
}

export class RegisterProducerDto {
  @ApiProperty({
    example: 'order-service',
    description: 'slug: lowercase letters, digits, - and _',
  })
  @IsString()
  @Matches(LIMITS.producerIdPattern, { message: 'id must be a slug of at most 64 characters' })
  id!: string;

  @ApiPropertyOptional({ example: 'Order service' })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  name?: string;

  @ApiProperty({
    example: 'https://orders.internal/rms/msg-log',
    description: 'the default msg_log_url',
  })
  @IsString()
  @MaxLength(2048)
  @Matches(HTTP_URL, { message: 'checkBackUrl must be an http(s) URL' })
  checkBackUrl!: string;

  @ApiPropertyOptional({ type: [String], example: ['https://orders-eu.internal'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  allowedCheckBackOrigins?: string[];

  @ApiPropertyOptional({ type: ProducerPolicyDto })
  @IsOptional()
  @IsObject() // @ValidateNested alone lets an array through
  @ValidateNested()
  @Type(() => ProducerPolicyDto)
  policy?: ProducerPolicyDto;
}

export class UpdateProducerDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 255)
  name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  @Matches(HTTP_URL, { message: 'checkBackUrl must be an http(s) URL' })
  checkBackUrl?: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  allowedCheckBackOrigins?: string[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ type: ProducerPolicyDto })
  @IsOptional()
  @IsObject() // @ValidateNested alone lets an array through
  @ValidateNested()
  @Type(() => ProducerPolicyDto)
  policy?: ProducerPolicyDto;
}

export class RotateKeyDto {
  @ApiPropertyOptional({ default: false, description: 'also issue a new signing secret' })
  @IsOptional()
  @IsBoolean()
  rotateSigningSecret?: boolean;
}

/** A producer as operators see it: never its secrets. */
export class ProducerViewDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() checkBackUrl!: string;
  @ApiProperty({ type: [String] }) allowedCheckBackOrigins!: string[];
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ type: ProducerPolicyDto }) policy!: ProducerPolicyDto;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;

  static of(p: Producer): ProducerViewDto {
    return {
      id: p.id,
      name: p.name,
      checkBackUrl: p.checkBackUrl,
      allowedCheckBackOrigins: p.allowedCheckBackOrigins,
      enabled: p.enabled,
      policy: p.policy,
      createdAt: p.createdAt.toISOString(),
      updatedAt: p.updatedAt.toISOString(),
    };
  }
}

/** Registration and key rotation: the credentials are shown this once. */
export class ProducerCredentialsDto {
  @ApiProperty({ type: ProducerViewDto }) producer!: ProducerViewDto;
  @ApiProperty({ description: 'Bearer token of the producer API; shown once' }) apiKey!: string;
  @ApiProperty({ description: 'HMAC key of check-back signatures; shown once' })
  signingSecret!: string;
}
