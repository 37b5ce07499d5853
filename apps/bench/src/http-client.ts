import { Agent, request } from 'node:http';

/** The fields of the service's answers the benchmark reads. */
export interface JsonBody {
  id?: string;
  apiKey?: string;
  /** Batch results. */
  items?: { statusCode: number }[];
  [key: string]: unknown;
}

/** A minimal keep-alive JSON client: the load generator must cost the machine little. */
export class HttpClient {
  private readonly agent: Agent;

  constructor(
    private readonly baseUrl: URL,
    sockets: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: sockets });
  }

  call(
    method: string,
    path: string,
    token: string,
    body?: unknown,
  ): Promise<{ status: number; json: JsonBody }> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          agent: this.agent,
          host: this.baseUrl.hostname,
          port: this.baseUrl.port,
          method,
          path,
          headers: {
            authorization: `Bearer ${token}`,
            ...(payload
              ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
              : {}),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              json: (text ? JSON.parse(text) : {}) as JsonBody,
            }),
          );
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
