import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrors } from '../common/api-errors';
import { ProducerIdPipe } from '../common/id-param.pipe';
import { ConsumerGroupsService } from '../consumers/consumer-groups.service';
import { ReconciliationService } from '../consumers/reconciliation.service';
import { ACTOR_HEADER, actorOf } from './actor';
import { AdminAuthGuard } from './admin-auth.guard';
import {
  ConsumerGroupCredentialsDto,
  ConsumerGroupViewDto,
  RegisterConsumerGroupDto,
  UpdateConsumerGroupDto,
} from './dto/consumer-group.dto';
import {
  ReconciliationDto,
  ReconciliationQueryDto,
  ReconciliationResendDto,
  ReconciliationResendResultDto,
} from './dto/reconciliation.dto';

@ApiTags('admin: consumers')
@ApiBearerAuth('admin')
@ApiErrors(400, 401, 404, 503)
@Controller('v1/admin')
@UseGuards(AdminAuthGuard)
export class AdminConsumersController {
  constructor(
    private readonly groups: ConsumerGroupsService,
    private readonly reconciliation: ReconciliationService,
  ) {}

  @Post('consumer-groups')
  @ApiCreatedResponse({ type: ConsumerGroupCredentialsDto })
  async register(@Body() dto: RegisterConsumerGroupDto): Promise<ConsumerGroupCredentialsDto> {
    const { group, apiKey } = await this.groups.register(dto.id, dto.topics);
    return { group: ConsumerGroupViewDto.of(group), apiKey };
  }

  @Get('consumer-groups')
  @ApiOkResponse({ type: [ConsumerGroupViewDto] })
  async list(): Promise<ConsumerGroupViewDto[]> {
    return (await this.groups.list()).map((g) => ConsumerGroupViewDto.of(g));
  }

  @Get('consumer-groups/:id')
  @ApiOkResponse({ type: ConsumerGroupViewDto })
  async get(@Param('id', ProducerIdPipe) id: string): Promise<ConsumerGroupViewDto> {
    return ConsumerGroupViewDto.of(await this.groups.get(id));
  }

  @Patch('consumer-groups/:id')
  @ApiOkResponse({ type: ConsumerGroupViewDto })
  async update(
    @Param('id', ProducerIdPipe) id: string,
    @Body() dto: UpdateConsumerGroupDto,
  ): Promise<ConsumerGroupViewDto> {
    return ConsumerGroupViewDto.of(await this.groups.update(id, dto));
  }

  @Post('consumer-groups/:id/rotate-key')
  @HttpCode(200)
  @ApiOkResponse({ type: ConsumerGroupCredentialsDto })
  async rotateKey(@Param('id', ProducerIdPipe) id: string): Promise<ConsumerGroupCredentialsDto> {
    const { group, apiKey } = await this.groups.rotateKey(id);
    return { group: ConsumerGroupViewDto.of(group), apiKey };
  }

  @Get('reconciliation')
  @ApiOkResponse({ type: ReconciliationDto })
  async reconcile(@Query() q: ReconciliationQueryDto): Promise<ReconciliationDto> {
    const rows = await this.reconciliation.rows(q);
    return {
      items: rows.map((r) => ({
        ...r,
        missing: {
          total: r.missing.total,
          items: r.missing.items.map((m) => ({ ...m, sentAt: m.sentAt.toISOString() })),
        },
      })),
    };
  }

  @Post('reconciliation/resend')
  @HttpCode(200)
  @ApiHeader(ACTOR_HEADER)
  @ApiOkResponse({ type: ReconciliationResendResultDto })
  resend(
    @Body() dto: ReconciliationResendDto,
    @Headers('x-rms-actor') actor?: string,
  ): Promise<ReconciliationResendResultDto> {
    return this.reconciliation.resend(dto, actorOf(actor));
  }
}
