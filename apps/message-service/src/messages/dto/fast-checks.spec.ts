import { ArgumentMetadata } from '@nestjs/common';
import { ValidationFailedError } from '../../common/domain-errors';
import { createValidationPipe } from '../../common/validation.pipe';
import { FAST_CHECKS, isValidPrepare, isValidPrepareBatch } from './fast-checks';
import { PrepareBatchDto } from './prepare-batch.dto';
import { PrepareMessageDto } from './prepare-message.dto';

/** Candidate values per field: the first of each is valid, the rest probe one rule each. */
const FIELDS: Record<string, unknown[]> = {
  msgLogId: [
    'order-1',
    '😀'.repeat(128),
    'x'.repeat(128),
    '',
    'x'.repeat(129),
    'a\u0000b',
    'a\ud800',
    5,
    null,
  ],
  topic: ['orders', 'a%b_c-d', 'x'.repeat(127), '', 'has space', 'x'.repeat(128), 7, null],
  tag: ['created', 'x'.repeat(128), 'a|b', '', 'x'.repeat(129), 'tab\t', 3, null],
  keys: [
    ['k1'],
    [],
    Array(32).fill('k'),
    ['', 'a'],
    Array(33).fill('k'),
    ['a\u0001'],
    'k1',
    [1],
    null,
  ],
  properties: [
    { a: '1' },
    {},
    { 'rms-x': '1' },
    { a: 1 },
    [],
    'x',
    { 'bad name': 'v' },
    // Names that an object's prototype already has: class-transformer would drop them silently.
    JSON.parse('{"toString": "v", "a": "1"}') as unknown,
    JSON.parse('{"constructor": "v"}') as unknown,
    JSON.parse('{"prototype": "v"}') as unknown,
    JSON.parse('{"hasOwnProperty": "v"}') as unknown,
    null,
  ],
  body: ['hello', '{"a":1}', '', 5, null],
  bodyEncoding: ['utf8', 'base64', 'hex', 1, null],
  messageGroup: ['g1', 'x'.repeat(128), '', 'x'.repeat(129), 'g\n', null],
  deliverAt: ['2024-05-01T12:00:00Z', '2024-05-01', 'garbage', '1969-12-31T23:59:59Z', 5, null],
  msgLogUrl: [
    'https://shop.example/log',
    'ftp://x',
    'http://a b',
    `https://${'x'.repeat(2050)}`,
    null,
  ],
  confirmed: [true, false, 'true', 1, null],
};
const REQUIRED = new Set(['msgLogId', 'topic', 'body']);

/** A small deterministic PRNG (mulberry32), so that a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function prepareBodies(count: number, seed: number): unknown[] {
  const next = random(seed);
  const bodies: unknown[] = [null, 'text', 42, [], [{ msgLogId: 'a', topic: 't', body: 'b' }]];
  while (bodies.length < count) {
    const body: Record<string, unknown> = {};
    for (const [field, values] of Object.entries(FIELDS)) {
      if (!REQUIRED.has(field) && next() < 0.5) continue; // absent
      if (REQUIRED.has(field) && next() < 0.03) continue; // a required field missing
      // Mostly valid values (the first two), so that many bodies pass every rule.
      body[field] = next() < 0.85 ? values[0] : values[Math.floor(next() * values.length)];
    }
    if (next() < 0.05) body.unknownField = 'x';
    bodies.push(body);
  }
  return bodies;
}

const outcome = async (run: () => Promise<unknown>) => {
  try {
    return { ok: true as const, value: await Promise.resolve().then(run) };
  } catch (error) {
    const e = error as ValidationFailedError;
    return {
      ok: false as const,
      error: { type: e.constructor.name, message: e.message, details: e.details },
    };
  }
};

describe('fast checks of the prepare bodies', () => {
  const classValidator = createValidationPipe();
  const fast = createValidationPipe(FAST_CHECKS);

  async function compare(metatype: ArgumentMetadata['metatype'], bodies: unknown[]) {
    const metadata: ArgumentMetadata = { type: 'body', metatype };
    const check = metatype === PrepareMessageDto ? isValidPrepare : isValidPrepareBatch;
    let accepted = 0;
    for (const body of bodies) {
      const slow = await outcome(
        () => classValidator.transform(body, metadata) as Promise<unknown>,
      );
      const quick = await outcome(() => fast.transform(body, metadata) as Promise<unknown>);
      // The fast check says yes exactly when class-validator does, and makes the same DTO.
      expect({ body, fast: check(body) }).toEqual({ body, fast: slow.ok });
      expect(quick).toEqual(slow);
      if (quick.ok) {
        expect(quick.value).toBeInstanceOf(metatype);
        accepted++;
      }
    }
    return accepted;
  }

  it('should accept exactly what class-validator accepts, as the same DTO', async () => {
    const bodies = prepareBodies(3000, 20261201);
    const accepted = await compare(PrepareMessageDto, bodies);
    // Both outcomes are well represented.
    expect(accepted).toBeGreaterThan(300);
    expect(accepted).toBeLessThan(bodies.length - 300);
  });

  it('should accept exactly the batches class-validator accepts', async () => {
    const valid = { msgLogId: 'a', topic: 't', body: 'b', confirmed: true };
    const accepted = await compare(PrepareBatchDto, [
      { messages: [valid, { ...valid, msgLogId: 'b' }] },
      { messages: Array(100).fill(valid) },
      { messages: Array(101).fill(valid) },
      { messages: [] },
      { messages: [valid, { ...valid, topic: '' }] },
      { messages: [valid, 'x'] },
      { messages: [valid, []] },
      { messages: [valid, [valid]] },
      { messages: [valid, null] },
      { messages: 'x' },
      { messages: [valid], extra: 1 },
      {},
      null,
    ]);
    expect(accepted).toBe(2);
    const made = (await fast.transform(
      { messages: [valid] },
      { type: 'body', metatype: PrepareBatchDto },
    )) as PrepareBatchDto;
    expect(made.messages[0]).toBeInstanceOf(PrepareMessageDto);
  });

  it('should leave other arguments than bodies to class-validator', async () => {
    const spy = jest.spyOn(FAST_CHECKS.get(PrepareMessageDto)!, 'accepts');
    await fast.transform('x', { type: 'param', metatype: String, data: 'id' });
    await fast.transform(
      { msgLogId: 'a', topic: 't', body: 'b' },
      {
        type: 'body',
        metatype: PrepareMessageDto,
      },
    );
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
  });

  it("should take a custom decorator's value (the authenticated producer) as it is, unwalked", async () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 100; i++) deep = { inner: deep };
    const value = await fast.transform(deep, { type: 'custom', metatype: Object });
    expect(value).toBe(deep);
    // A body that deep is refused before class-validator recurses into it.
    await expect(
      outcome(
        () =>
          fast.transform(
            { messages: deep },
            { type: 'body', metatype: PrepareBatchDto },
          ) as Promise<unknown>,
      ),
    ).resolves.toMatchObject({ ok: false, error: { type: ValidationFailedError.name } });
  });

  it('should refuse, not drop, a property named like a member every object has', async () => {
    const body = JSON.parse(
      '{"msgLogId": "a", "topic": "t", "body": "b", "properties": {"toString": "v", "a": "1"}}',
    ) as unknown;
    for (const pipe of [classValidator, fast]) {
      await expect(
        outcome(
          () =>
            pipe.transform(body, { type: 'body', metatype: PrepareMessageDto }) as Promise<unknown>,
        ),
      ).resolves.toEqual({
        ok: false,
        error: {
          type: ValidationFailedError.name,
          message: 'property name "toString" is reserved',
          details: [{ field: 'properties', message: 'property name "toString" is reserved' }],
        },
      });
    }
  });
});
