import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';
import { redisConnection } from '../config/redis-connection';

/**
 * Makes the service's own Redis connections (the MQ's streams, health probes) from URLs, and
 * drops whatever is still open when the application shuts down. BullMQ makes its connections
 * itself from `redisConnection` options.
 */
@Injectable()
export class RedisClients implements OnApplicationShutdown {
  private readonly clients: Redis[] = [];

  /** A client that connects on first use. */
  create(url: string, options: RedisOptions = {}): Redis {
    const client = new Redis({ ...redisConnection(url), lazyConnect: true, ...options });
    this.clients.push(client);
    return client;
  }

  onApplicationShutdown(): void {
    // A client that never connected, or has ended (the MQ driver quits its own), has nothing to
    // drop; disconnecting it anyway would leave ioredis's 2 s close timer holding the process.
    for (const client of this.clients) {
      if (client.status !== 'wait' && client.status !== 'end') client.disconnect();
    }
  }
}
