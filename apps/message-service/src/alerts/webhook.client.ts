import { Injectable } from '@nestjs/common';

const TIMEOUT_MS = 3_000;

/** Outgoing webhook calls: one JSON POST, ok or an error naming why not. */
@Injectable()
export class WebhookClient {
  async post(url: string, body: string): Promise<void> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
  }
}
