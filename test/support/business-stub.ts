import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { CHECK_BACK_HEADERS, verifyCheckBack } from '../../libs/contracts/src';

/** How the stub answers a check-back for one msgLogId. */
export type StubBehaviour =
  | { answer: 'COMMITTED' | 'ROLLED_BACK' | 'UNKNOWN' }
  | { status: number; body?: string }
  | { hang: true };

export interface StubRequest {
  at: number;
  producer: string;
  path: string;
  msgLogId: string;
  messageId: string;
  topic: string;
}

/**
 * A business service's msg_log_url: answers each msgLogId as told, verifies the signature of
 * every request (a bad one is recorded and answered 401), and measures concurrency per producer.
 */
export class BusinessStub {
  readonly requests: StubRequest[] = [];
  readonly badSignatures: string[] = [];
  readonly peakConcurrency = new Map<string, number>();
  private readonly inFlight = new Map<string, number>();
  private readonly behaviours = new Map<string, StubBehaviour>();
  private readonly secrets = new Map<string, string>();
  private server?: Server;
  private readonly hanging = new Set<ServerResponse>();
  /** Default answer for msgLogIds without a behaviour. */
  fallback: StubBehaviour = { answer: 'UNKNOWN' };
  /** Delay before each answer. */
  delayMs = 0;
  url = '';

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as { port: number };
    this.url = `http://127.0.0.1:${port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  trust(producerId: string, signingSecret: string): void {
    this.secrets.set(producerId, signingSecret);
  }

  answer(msgLogId: string, behaviour: StubBehaviour): void {
    this.behaviours.set(msgLogId, behaviour);
  }

  requestsFor(msgLogId: string): StubRequest[] {
    return this.requests.filter((r) => r.msgLogId === msgLogId);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const producer = String(req.headers[CHECK_BACK_HEADERS.producer] ?? '');
    const verdict = verifyCheckBack({
      secret: this.secrets.get(producer) ?? '',
      method: req.method ?? '',
      target: req.url ?? '',
      timestamp: req.headers[CHECK_BACK_HEADERS.timestamp] as string | undefined,
      signature: req.headers[CHECK_BACK_HEADERS.signature] as string | undefined,
    });
    if (!verdict.ok) {
      this.badSignatures.push(`${req.url}: ${verdict.reason}`);
      res.writeHead(401).end();
      return;
    }
    const msgLogId = url.searchParams.get('msgLogId') ?? '';
    this.requests.push({
      at: Date.now(),
      producer,
      path: url.pathname,
      msgLogId,
      messageId: url.searchParams.get('messageId') ?? '',
      topic: url.searchParams.get('topic') ?? '',
    });
    const now = (this.inFlight.get(producer) ?? 0) + 1;
    this.inFlight.set(producer, now);
    this.peakConcurrency.set(producer, Math.max(this.peakConcurrency.get(producer) ?? 0, now));
    try {
      if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
      const behaviour = this.behaviours.get(msgLogId) ?? this.fallback;
      if ('hang' in behaviour) {
        this.hanging.add(res);
        return;
      }
      if ('answer' in behaviour) {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ status: behaviour.answer }));
      } else {
        res.writeHead(behaviour.status, { 'content-type': 'text/plain' }).end(behaviour.body ?? '');
      }
    } finally {
      this.inFlight.set(producer, (this.inFlight.get(producer) ?? 1) - 1);
    }
  }
}
