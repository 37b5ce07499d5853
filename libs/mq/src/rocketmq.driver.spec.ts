import { Producer } from 'rocketmq-client-nodejs';
import { classifyRocketMqError, ClientInternals, isPermanentRocketMqCode } from './rocketmq.driver';

describe(classifyRocketMqError.name, () => {
  it('should call an unknown topic permanent and say so', () => {
    const error = classifyRocketMqError(
      Object.assign(new Error('topic does not exist'), { code: 40402 }),
    );
    expect(error.permanent).toBe(true);
    expect(error.message).toContain('topic not found');
    expect(error.code).toBe(40402);
  });

  it('should retry throttling, internal errors and network errors', () => {
    expect(
      classifyRocketMqError(Object.assign(new Error('slow down'), { code: 42900 })).permanent,
    ).toBe(false);
    expect(classifyRocketMqError(Object.assign(new Error('boom'), { code: 50000 })).permanent).toBe(
      false,
    );
    const unavailable = classifyRocketMqError(
      Object.assign(new Error('14 UNAVAILABLE'), { code: 14 }),
    );
    expect(unavailable.permanent).toBe(false);
    expect(unavailable.message).toContain('unreachable');
  });
});

describe(isPermanentRocketMqCode.name, () => {
  it.each([
    [40001, true],
    [40402, true],
    [41301, true],
    [40301, true],
    [42900, false],
    [50000, false],
    [50400, false],
  ])('should classify %i as permanent=%s', (code, permanent) => {
    expect(isPermanentRocketMqCode(code)).toBe(permanent);
  });
});

describe('rocketmq-client-nodejs internals the driver relies on', () => {
  it('should still offer a heartbeat round trip on the producer', async () => {
    const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const producer = new Producer({
      endpoints: '127.0.0.1:9',
      namespace: '',
      logger: quiet,
    });
    try {
      const internals = producer as unknown as ClientInternals;
      expect(typeof internals.rpcClientManager.heartbeat).toBe('function');
      expect(typeof internals.wrapHeartbeatRequest).toBe('function');
      expect(internals.endpoints).toBeDefined();
      expect(internals.wrapHeartbeatRequest()).toBeDefined();
    } finally {
      await producer.shutdown().catch(() => undefined);
    }
  });
});
