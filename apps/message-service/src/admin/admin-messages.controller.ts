import { MESSAGE_STATUS_NAMES, MessageStatus, parseInstant, statusName } from '@app/contracts';
import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { toMessageView } from '../messages/message-view';
import { ApiErrors } from '../common/api-errors';
import { MessageIdPipe } from '../common/id-param.pipe';
import { ACTOR_HEADER, actorOf } from './actor';
import { AdminAuthGuard } from './admin-auth.guard';
import { AdminMessagesService } from './admin-messages.service';
import {
  AdminCancelDto,
  BulkResendDto,
  CountDto,
  MessageEventDto,
  MessagePageDto,
  MessageWithEventsDto,
  ResendDto,
  SearchMessagesQueryDto,
  StatsDto,
} from './dto/admin-message.dto';
import { MessageViewDto } from '../messages/dto/message-view.dto';
import { WithBodyQueryDto } from '../messages/dto/message-query.dto';

@ApiTags('admin: messages')
@ApiBearerAuth('admin')
@ApiErrors(400, 401, 404, 409, 503)
@Controller('v1/admin')
@UseGuards(AdminAuthGuard)
export class AdminMessagesController {
  constructor(private readonly admin: AdminMessagesService) {}

  @Get('messages')
  @ApiOkResponse({ type: MessagePageDto })
  async search(@Query() q: SearchMessagesQueryDto): Promise<MessagePageDto> {
    const page = await this.admin.search(
      {
        status: q.status !== undefined ? MessageStatus[q.status] : undefined,
        producerId: q.producerId,
        topic: q.topic,
        msgLogId: q.msgLogId,
        createdFrom: q.createdFrom !== undefined ? parseInstant(q.createdFrom) : undefined,
        createdTo: q.createdTo !== undefined ? parseInstant(q.createdTo) : undefined,
      },
      q.limit ?? 50,
      q.cursor,
    );
    return { items: page.items.map(toMessageView), nextCursor: page.nextCursor };
  }

  @Get('messages/:id')
  @ApiOkResponse({ type: MessageWithEventsDto })
  async get(
    @Param('id', MessageIdPipe) id: string,
    @Query() query: WithBodyQueryDto,
  ): Promise<MessageWithEventsDto> {
    const { message, events } = await this.admin.get(id, query.withBody);
    return { ...toMessageView(message), events: events.map((e) => MessageEventDto.of(e)) };
  }

  @Post('messages/resend')
  @HttpCode(200)
  @ApiHeader(ACTOR_HEADER)
  @ApiOkResponse({ type: CountDto })
  async resendMany(
    @Body() dto: BulkResendDto,
    @Headers('x-rms-actor') actor?: string,
  ): Promise<CountDto> {
    const count = await this.admin.resendMany(
      { status: MessageStatus[dto.status], producerId: dto.producerId, topic: dto.topic },
      dto.limit ?? 1000,
      actorOf(actor),
      dto.reason,
    );
    return { count };
  }

  @Post('messages/:id/resend')
  @HttpCode(200)
  @ApiHeader(ACTOR_HEADER)
  @ApiOkResponse({ type: MessageViewDto })
  async resend(
    @Param('id', MessageIdPipe) id: string,
    @Body() dto: ResendDto,
    @Headers('x-rms-actor') actor?: string,
  ): Promise<MessageViewDto> {
    return toMessageView(await this.admin.resend(id, actorOf(actor), dto.reason));
  }

  @Post('messages/:id/check-back')
  @HttpCode(200)
  @ApiOkResponse({ type: MessageViewDto })
  async checkBack(@Param('id', MessageIdPipe) id: string): Promise<MessageViewDto> {
    return toMessageView(await this.admin.checkBackNow(id));
  }

  @Post('messages/:id/cancel')
  @HttpCode(200)
  @ApiHeader(ACTOR_HEADER)
  @ApiOkResponse({ type: MessageViewDto })
  async cancel(
    @Param('id', MessageIdPipe) id: string,
    @Body() dto: AdminCancelDto,
    @Headers('x-rms-actor') actor?: string,
  ): Promise<MessageViewDto> {
    return toMessageView(await this.admin.cancel(id, actorOf(actor), dto.reason));
  }

  @Get('stats')
  @ApiOkResponse({ type: StatsDto })
  async stats(): Promise<StatsDto> {
    const { counts, backlog, blockedGroups, failingProducers } = await this.admin.statistics();
    const totals = Object.fromEntries(
      MESSAGE_STATUS_NAMES.map((name) => [name, backlog.byStatus[MessageStatus[name]] ?? 0]),
    );
    return {
      counts: counts.map((c) => ({ ...c, status: statusName(c.status) })),
      totals,
      oldestPendingAgeMs: backlog.oldestPendingAgeMs,
      oldestConfirmedAgeMs: backlog.oldestConfirmedAgeMs,
      dead: totals.FAILED,
      sentLastMinute: backlog.sentLastMinute,
      blockedGroups,
      failingProducers,
    };
  }
}
