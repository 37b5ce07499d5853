import { redisConnection } from './redis-connection';

describe(redisConnection.name, () => {
  it('should read one server from redis:// and rediss://', () => {
    expect(redisConnection('redis://u:p%40ss@cache:6380/3')).toEqual({
      host: 'cache',
      port: 6380,
      username: 'u',
      password: 'p@ss',
      db: 3,
    });
    expect(redisConnection('rediss://cache')).toEqual({
      host: 'cache',
      port: 6379,
      db: 0,
      tls: {},
    });
  });

  it('should read the sentinels, the master name and the database from redis+sentinel://', () => {
    expect(
      redisConnection(
        'redis+sentinel://:secret@s1:26380,s2,s3:26381/rms-master/2?sentinelPassword=sp',
      ),
    ).toEqual({
      sentinels: [
        { host: 's1', port: 26380 },
        { host: 's2', port: 26379 },
        { host: 's3', port: 26381 },
      ],
      name: 'rms-master',
      password: 'secret',
      sentinelPassword: 'sp',
      db: 2,
    });
    expect(redisConnection('redis+sentinel://s1/mymaster')).toEqual({
      sentinels: [{ host: 's1', port: 26379 }],
      name: 'mymaster',
      db: 0,
    });
  });

  it.each([
    ['http://cache:6379', /must use redis:/],
    ['redis+sentinel://s1:26379', /must look like/],
    ['redis+sentinel://s1:99999/m', /invalid sentinel address "s1:99999"/],
    ['redis+sentinel://s1:1:2/m', /invalid sentinel address/],
    ['redis+sentinel://s1/m/x', /invalid database number "x"/],
    ['redis://cache/-1', /invalid database number/],
  ])('should refuse %s', (url, message) => {
    expect(() => redisConnection(url)).toThrow(message);
  });
});
