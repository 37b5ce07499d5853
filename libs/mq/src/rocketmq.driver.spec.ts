import { classifyRocketMqError, isPermanentRocketMqCode } from './rocketmq.driver';

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
