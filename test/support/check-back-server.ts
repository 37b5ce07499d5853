import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import {
  CheckBackHandler,
  CheckBackRequest,
  signCheckBack,
  toNodeListener,
} from '../../libs/client/src';

/** A business's check-back endpoint on loopback, served by the SDK's handler. */
export class CheckBackServer {
  private server?: Server;
  url = '';

  constructor(private readonly handler: CheckBackHandler) {}

  async start(path = '/rms/check-back'): Promise<string> {
    this.server = createServer(toNodeListener(this.handler));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }
}

/** A check-back request signed as the service signs it (for calling a handler directly). */
export function signedCheckBack(
  producerId: string,
  secret: string,
  params: { msgLogId: string; messageId: string; topic?: string },
  options: { timestamp?: number; path?: string } = {},
): CheckBackRequest {
  const query = new URLSearchParams({ topic: 'orders', ...params });
  const target = `${options.path ?? '/rms/check-back'}?${query.toString()}`;
  const timestamp = String(options.timestamp ?? Date.now());
  return {
    method: 'GET',
    target,
    headers: {
      'x-rms-producer': producerId,
      'x-rms-timestamp': timestamp,
      'x-rms-signature': signCheckBack(secret, timestamp, 'GET', target),
    },
  };
}
