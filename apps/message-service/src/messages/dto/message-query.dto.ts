import { LIMITS } from '@app/contracts';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsString, Length } from 'class-validator';

const toBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

/** `?withBody=true` on reads. */
export class WithBodyQueryDto {
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'withBody must be true or false' })
  withBody?: boolean;
}

/** `GET /v1/messages?msgLogId=…`. */
export class LookupMessageQueryDto extends WithBodyQueryDto {
  @IsString({ message: 'msgLogId is required' })
  @Length(1, LIMITS.msgLogIdMaxLength)
  msgLogId!: string;
}
