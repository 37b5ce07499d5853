import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-errors';
import { BacklogGaugesService } from './backlog-gauges.service';
import { MetricsAuthGuard } from './metrics-auth.guard';

@ApiTags('ops')
@Controller('metrics')
@UseGuards(MetricsAuthGuard)
export class MetricsController {
  constructor(private readonly gauges: BacklogGaugesService) {}

  /** Prometheus text format. Backlog gauges come from MySQL, read at most every 5 s. */
  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiBearerAuth('metrics')
  @ApiOkResponse({ description: 'Prometheus exposition format', schema: { type: 'string' } })
  @ApiErrors(401)
  scrape(): Promise<string> {
    return this.gauges.scrape();
  }
}
