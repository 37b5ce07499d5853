import { Global, Module } from '@nestjs/common';
import { RedisClients } from './redis-clients';

/** The service's Redis connections. */
@Global()
@Module({ providers: [RedisClients], exports: [RedisClients] })
export class RedisModule {}
