import type { RedisOptions } from 'ioredis';

const SENTINEL_PORT = 26379;

/**
 * ioredis options from a Redis URL:
 * - `redis://user:pass@host:port/db` (`rediss://` for TLS): one server;
 * - `redis+sentinel://user:pass@host:port,host:port/masterName/db`: the master that Redis
 *   Sentinel names, found again after a failover; `?sentinelPassword=` when the sentinels want
 *   one of their own. The user and password are the master's.
 *
 * Throws on anything else, with a message that says what is wrong.
 */
export function redisConnection(url: string): RedisOptions {
  if (url.startsWith('redis+sentinel://')) return sentinelConnection(url);
  const u = new URL(url);
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new Error(`must use redis:, rediss: or redis+sentinel: (got "${u.protocol}")`);
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : 6379,
    ...credentials(u.username, u.password),
    db: db(u.pathname.slice(1)),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

function sentinelConnection(url: string): RedisOptions {
  const match =
    /^redis\+sentinel:\/\/(?:([^@/]*)@)?([^/?]+)\/([^/?]+)(?:\/([^/?]*))?\/?(?:\?(.*))?$/.exec(url);
  if (!match) throw new Error('must look like redis+sentinel://host:port,host:port/masterName/db');
  const [, auth = '', hosts, name, dbPart = '', query = ''] = match;
  const sentinels = hosts.split(',').map((entry) => {
    const [host, port, extra] = entry.split(':');
    const portNumber = port === undefined ? SENTINEL_PORT : Number(port);
    if (
      !host ||
      extra !== undefined ||
      !Number.isInteger(portNumber) ||
      portNumber < 1 ||
      portNumber > 65535
    )
      throw new Error(`has an invalid sentinel address "${entry}"`);
    return { host, port: portNumber };
  });
  const [username = '', password = ''] = auth.split(':');
  const sentinelPassword = new URLSearchParams(query).get('sentinelPassword');
  return {
    sentinels,
    name: decodeURIComponent(name),
    ...credentials(username, password),
    ...(sentinelPassword ? { sentinelPassword } : {}),
    db: db(dbPart),
  };
}

function credentials(
  username: string,
  password: string,
): Pick<RedisOptions, 'username' | 'password'> {
  return {
    ...(username ? { username: decodeURIComponent(username) } : {}),
    ...(password ? { password: decodeURIComponent(password) } : {}),
  };
}

function db(part: string): number {
  if (part === '') return 0;
  const n = Number(part);
  if (!Number.isInteger(n) || n < 0) throw new Error(`has an invalid database number "${part}"`);
  return n;
}
