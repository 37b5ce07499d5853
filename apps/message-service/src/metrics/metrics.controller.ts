import { MESSAGE_STATUS_NAMES, MessageStatus } from '@app/contracts';
import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { StatsRepository } from '../admin/stats.repository';
import { MetricsService } from './metrics.service';

@ApiTags('ops')
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly stats: StatsRepository,
  ) {}

  /** Prometheus text format. Backlog gauges are read from MySQL at each scrape. */
  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOkResponse({ description: 'Prometheus exposition format', schema: { type: 'string' } })
  async scrape(): Promise<string> {
    const backlog = await this.stats.backlog();
    for (const name of MESSAGE_STATUS_NAMES) {
      this.metrics.messages.set({ status: name }, backlog.byStatus[MessageStatus[name]] ?? 0);
    }
    this.metrics.oldestPendingAge.set((backlog.oldestPendingAgeMs ?? 0) / 1000);
    this.metrics.oldestConfirmedAge.set((backlog.oldestConfirmedAgeMs ?? 0) / 1000);
    return this.metrics.registry.metrics();
  }
}
