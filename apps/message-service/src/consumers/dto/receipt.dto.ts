import { LIMITS } from '@app/contracts';
import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsString, Matches } from 'class-validator';

export class ReportReceiptsDto {
  @ApiProperty({ example: 'order-paid' })
  @IsString()
  @Matches(LIMITS.topicPattern, { message: 'topic must match ^[%a-zA-Z0-9_-]{1,127}$' })
  topic!: string;

  @ApiProperty({ example: 'order-service' })
  @IsString()
  @Matches(LIMITS.producerIdPattern, { message: 'producerId must be a producer id (a slug)' })
  producerId!: string;

  @ApiProperty({
    description: 'handled rms-seq numbers as inclusive [fromSeq, toSeq] pairs; 1 to 1,000 pairs',
    example: [
      [1, 100],
      [102, 140],
    ],
    type: 'array',
    items: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 2, maxItems: 2 },
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  ranges!: unknown[];
}

export class ReceiptQueryDto {
  @ApiProperty({ example: 'order-paid' })
  @IsString()
  @Matches(LIMITS.topicPattern, { message: 'topic must match ^[%a-zA-Z0-9_-]{1,127}$' })
  topic!: string;

  @ApiProperty({ example: 'order-service' })
  @IsString()
  @Matches(LIMITS.producerIdPattern, { message: 'producerId must be a producer id (a slug)' })
  producerId!: string;
}

export class ReceiptStateDto {
  @ApiProperty({ description: 'every seq up to here was reported' })
  watermark!: number;

  @ApiProperty({
    description: 'reported ranges above the watermark',
    type: 'array',
    items: { type: 'array', items: { type: 'integer' } },
  })
  ranges!: [number, number][];
}
