import { LIMITS } from '@app/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsString, Length } from 'class-validator';

const toBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

/** `?withBody=true` on reads. */
export class WithBodyQueryDto {
  @ApiPropertyOptional({ description: 'include the body (base64)', default: false })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'withBody must be true or false' })
  withBody?: boolean;
}

/** `GET /v1/messages?msgLogId=…`. */
export class LookupMessageQueryDto extends WithBodyQueryDto {
  @ApiProperty({ description: "the business's id of the message" })
  @IsString({ message: 'msgLogId is required' })
  @Length(1, LIMITS.msgLogIdMaxLength)
  msgLogId!: string;
}
