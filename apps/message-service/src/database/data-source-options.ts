import { join } from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';

/**
 * Splits `mysql://user:pass@host:port/db` into its parts; `?socket=/path` connects through the
 * server's Unix socket instead of TCP (a database on the same host: each round trip costs the
 * service about a third less CPU than over loopback TCP).
 */
export function parseDatabaseUrl(databaseUrl: string) {
  const url = new URL(databaseUrl);
  const socketPath = url.searchParams.get('socket') ?? undefined;
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : 3306,
    ...(socketPath ? { socketPath } : {}),
    username: decodeURIComponent(url.username || 'root'),
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.replace(/^\//, '')) || 'rms',
  };
}

/** TypeORM reads column defaults differently on MariaDB; it must know which server it talks to. */
export type DatabaseFlavor = 'mysql' | 'mariadb';

/** The flavour named by the URL scheme (`mariadb://` or `mysql://`). */
export function flavorOfUrl(databaseUrl: string): DatabaseFlavor {
  return databaseUrl.startsWith('mariadb:') ? 'mariadb' : 'mysql';
}

/**
 * TypeORM options shared by the service, the CLI and the migration scripts. Times are read and
 * written as UTC; every SQL statement that stamps a time uses the database clock
 * (`UTC_TIMESTAMP(3)`), never the application's.
 */
export function dataSourceOptions(
  databaseUrl: string,
  options: { poolSize?: number; flavor?: DatabaseFlavor } = {},
): DataSourceOptions {
  return {
    type: options.flavor ?? flavorOfUrl(databaseUrl),
    ...parseDatabaseUrl(databaseUrl),
    charset: 'utf8mb4_unicode_ci',
    timezone: 'Z',
    supportBigNumbers: true,
    // Hot-path writes send their whole transaction in one round trip (see one-trip.ts). Every
    // statement is parameterised, so this widens nothing for injection.
    multipleStatements: true,
    bigNumberStrings: false,
    entities: ENTITIES,
    migrations: [join(__dirname, 'migrations', '*.{js,ts}')],
    migrationsTableName: 'migrations',
    synchronize: false,
    // Off: failed queries would be logged with their parameters, i.e. message bodies.
    logging: false,
    poolSize: options.poolSize ?? 20,
  };
}
