import {
  LIMITS,
  PrepareBatchItem,
  PrepareBatchRequest,
  PrepareBatchResponse,
} from '@app/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, ValidateNested } from 'class-validator';
import { ErrorBodyDto } from '../../common/api-errors';
import { MessageViewDto } from './message-view.dto';
import { PrepareMessageDto } from './prepare-message.dto';
import { HasNoArrayItems } from './validators';

/** The body of `POST /v1/messages/batch`. */
export class PrepareBatchDto implements PrepareBatchRequest {
  @ApiProperty({
    type: [PrepareMessageDto],
    minItems: 1,
    maxItems: LIMITS.batchMaxMessages,
    description: 'prepares, each as for POST /v1/messages; msgLogIds must differ',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(LIMITS.batchMaxMessages)
  @HasNoArrayItems()
  @ValidateNested({ each: true })
  @Type(() => PrepareMessageDto)
  messages!: PrepareMessageDto[];
}

export class PrepareBatchItemDto implements PrepareBatchItem {
  @ApiProperty({
    enum: [201, 200, 409],
    description: '201 stored; 200 the same msgLogId and content was stored before; 409 conflict',
  })
  statusCode!: 200 | 201 | 409;

  @ApiPropertyOptional({ type: MessageViewDto, description: 'with 201 and 200' })
  message?: MessageViewDto;

  @ApiPropertyOptional({ type: ErrorBodyDto, description: 'with 409: MSG_LOG_ID_CONFLICT' })
  error?: ErrorBodyDto;
}

export class PrepareBatchResponseDto implements PrepareBatchResponse {
  @ApiProperty({ type: [PrepareBatchItemDto], description: 'one per message, in request order' })
  items!: PrepareBatchItemDto[];
}
