import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { BacklogGaugesService } from './backlog-gauges.service';

@ApiTags('ops')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly gauges: BacklogGaugesService) {}

  /** Prometheus text format. Backlog gauges are read from MySQL at each scrape. */
  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOkResponse({ description: 'Prometheus exposition format', schema: { type: 'string' } })
  scrape(): Promise<string> {
    return this.gauges.scrape();
  }
}
