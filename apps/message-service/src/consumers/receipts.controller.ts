import { Body, Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-errors';
import { ConsumerGroup } from './consumer-group';
import { ConsumerGroupAuthGuard, CurrentConsumerGroup } from './consumer-group-auth.guard';
import { ReceiptQueryDto, ReceiptStateDto, ReportReceiptsDto } from './dto/receipt.dto';
import { ReceiptsService } from './receipts.service';

@ApiTags('consumers')
@ApiBearerAuth('consumer-group')
@ApiErrors(400, 401, 403, 503)
@Controller('v1/receipts')
@UseGuards(ConsumerGroupAuthGuard)
export class ReceiptsController {
  constructor(private readonly receipts: ReceiptsService) {}

  /** Reports handled sequence numbers; idempotent: the union is stored. */
  @Post()
  @HttpCode(200)
  @ApiOkResponse({ type: ReceiptStateDto })
  report(
    @CurrentConsumerGroup() group: ConsumerGroup,
    @Body() dto: ReportReceiptsDto,
  ): Promise<ReceiptStateDto> {
    return this.receipts.report(group, dto);
  }

  /** What the group has reported of one (producer, topic): a consumer catching up starts here. */
  @Get()
  @ApiOkResponse({ type: ReceiptStateDto })
  reported(
    @CurrentConsumerGroup() group: ConsumerGroup,
    @Query() q: ReceiptQueryDto,
  ): Promise<ReceiptStateDto> {
    return this.receipts.reported(group, q.producerId, q.topic);
  }
}
