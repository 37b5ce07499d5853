import { Global, Module } from '@nestjs/common';
import { MetricsService } from './metrics.service';

/** The metrics registry, injectable everywhere. */
@Global()
@Module({ providers: [MetricsService], exports: [MetricsService] })
export class MetricsModule {}
