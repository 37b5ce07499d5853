import { MessageView, PrepareBatchResponse } from '@app/contracts';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiErrors } from '../common/api-errors';
import { MessageIdPipe } from '../common/id-param.pipe';
import { MessageViewDto } from './dto/message-view.dto';
import { CurrentProducer, ProducerAuthGuard } from '../producers/producer-auth.guard';
import { ProducerRateLimitGuard } from '../producers/producer-rate-limit.guard';
import { Producer } from '../producers/producer';
import { LookupMessageQueryDto, WithBodyQueryDto } from './dto/message-query.dto';
import { PrepareMessageDto } from './dto/prepare-message.dto';
import { PrepareBatchDto, PrepareBatchResponseDto } from './dto/prepare-batch.dto';
import { toBatchResponse, toMessageView } from './message-view';
import { MessagesService } from './messages.service';

@ApiTags('messages (producers)')
@ApiBearerAuth('producer')
@ApiErrors(401, 503)
@Controller('v1/messages')
@UseGuards(ProducerAuthGuard)
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  /** Prepare: 201 when stored, 200 for an idempotent replay of the same msgLogId and content. */
  @Post()
  @UseGuards(ProducerRateLimitGuard)
  @ApiCreatedResponse({
    type: MessageViewDto,
    description: 'stored (PENDING, or CONFIRMED with confirmed: true)',
  })
  @ApiOkResponse({
    type: MessageViewDto,
    description: 'the same msgLogId and content again: the existing message',
  })
  @ApiErrors(400, 409, 413, 429)
  async prepare(
    @CurrentProducer() producer: Producer,
    @Body() dto: PrepareMessageDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MessageView> {
    const result = await this.messages.prepare(producer, dto);
    void reply.status(result.created ? 201 : 200);
    return toMessageView(result.message);
  }

  /**
   * Batch prepare: up to 100 messages, the new ones stored in one transaction. 200 with one
   * result per message, in order: 201 stored, 200 the existing message of a replay, 409 conflict.
   */
  @Post('batch')
  @UseGuards(ProducerRateLimitGuard)
  @HttpCode(200)
  @ApiOkResponse({ type: PrepareBatchResponseDto })
  @ApiErrors(400, 413, 429)
  async prepareBatch(
    @CurrentProducer() producer: Producer,
    @Body() dto: PrepareBatchDto,
  ): Promise<PrepareBatchResponse> {
    return toBatchResponse(await this.messages.prepareBatch(producer, dto.messages));
  }

  @Post(':id/confirm')
  @HttpCode(200)
  @ApiOkResponse({ type: MessageViewDto })
  @ApiErrors(404, 409)
  async confirm(
    @CurrentProducer() producer: Producer,
    @Param('id', MessageIdPipe) id: string,
  ): Promise<MessageView> {
    return toMessageView(await this.messages.confirm(producer, id));
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOkResponse({ type: MessageViewDto })
  @ApiErrors(404, 409)
  async cancel(
    @CurrentProducer() producer: Producer,
    @Param('id', MessageIdPipe) id: string,
  ): Promise<MessageView> {
    return toMessageView(await this.messages.cancel(producer, id));
  }

  @Get(':id')
  @ApiOkResponse({ type: MessageViewDto })
  @ApiErrors(404)
  async get(
    @CurrentProducer() producer: Producer,
    @Param('id', MessageIdPipe) id: string,
    @Query() query: WithBodyQueryDto,
  ): Promise<MessageView> {
    return toMessageView(await this.messages.get(producer, id, query.withBody));
  }

  @Get()
  @ApiOkResponse({ type: MessageViewDto })
  @ApiErrors(400, 404)
  async lookup(
    @CurrentProducer() producer: Producer,
    @Query() query: LookupMessageQueryDto,
  ): Promise<MessageView> {
    return toMessageView(
      await this.messages.getByMsgLogId(producer, query.msgLogId, query.withBody),
    );
  }
}
