import { Global, Module } from '@nestjs/common';
import { AlertService } from './alert.service';
import { WebhookClient } from './webhook.client';

@Global()
@Module({ providers: [AlertService, WebhookClient], exports: [AlertService] })
export class AlertsModule {}
