import { tooDeep } from './json-depth';

describe(tooDeep.name, () => {
  const nested = (depth: number): unknown => {
    let v: unknown = 'x';
    for (let i = 0; i < depth; i++) v = { a: v };
    return v;
  };

  it('should pass documents up to the limit', () => {
    expect(tooDeep(nested(3), 3)).toBeUndefined();
    expect(tooDeep({ a: [1, { b: 'c' }], d: null }, 3)).toBeUndefined();
    expect(tooDeep('plain', 0)).toBeUndefined();
  });

  it('should name the path of the first value past the limit', () => {
    expect(tooDeep(nested(4), 3)).toBe('a.a.a');
    expect(tooDeep({ ok: 1, list: [{ deep: { er: {} } }] }, 3)).toBe('list.0.deep');
  });

  it('should walk 100,000 levels without exhausting the stack', () => {
    const text = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(tooDeep(JSON.parse(text), 32)).toBe(Array(32).fill('0').join('.'));
  });
});
