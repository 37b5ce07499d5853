import { CONTROL_CHARACTERS, isPlainText, parseInstant } from './limits';

describe(parseInstant.name, () => {
  it.each([
    ['2024-05-01T12:00:00Z', '2024-05-01T12:00:00.000Z'],
    ['2024-05-01t12:00:00z', '2024-05-01T12:00:00.000Z'],
    ['2024-05-01T12:00:00.5Z', '2024-05-01T12:00:00.500Z'],
    ['2024-05-01T12:00:00.123456789Z', '2024-05-01T12:00:00.123Z'],
    ['2024-05-01T14:30:00+02:30', '2024-05-01T12:00:00.000Z'],
    ['2024-05-01T00:00:00-05:00', '2024-05-01T05:00:00.000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
  ])('should read %s as %s', (text, iso) => {
    expect(parseInstant(text)?.toISOString()).toBe(iso);
  });

  it.each([
    '2024-W01-1',
    '20240101T000000Z',
    '+2024-01-01T00:00:00Z',
    '2024-01-01T00:00:00',
    '2024-01-01',
    '2024-01-01T00:00Z',
    '2023-02-29T00:00:00Z',
    '2024-04-31T00:00:00Z',
    '2024-13-01T00:00:00Z',
    '2024-01-01T24:00:00Z',
    '2024-01-01T23:60:00Z',
    '2024-01-01T23:59:60Z',
    '2024-01-01T00:00:00+24:00',
    '0050-01-01T00:00:00Z',
    ' 2024-01-01T00:00:00Z',
  ])('should refuse %j', (text) => {
    expect(parseInstant(text)).toBeUndefined();
  });
});

describe('CONTROL_CHARACTERS', () => {
  it.each(['\u0000', '\t', '\n', '\u001f', '\u007f', '\u0085', '\u009f'])('should find %j', (c) =>
    expect(CONTROL_CHARACTERS.test(`a${c}b`)).toBe(true),
  );

  it.each(['plain', 'ünïcödé', '注文', 'emoji 😀', 'a|b'])('should pass %j', (text) =>
    expect(CONTROL_CHARACTERS.test(text)).toBe(false),
  );
});

describe(isPlainText.name, () => {
  it('should refuse lone surrogates and control characters, and pass pairs', () => {
    expect(isPlainText('emoji 😀')).toBe(true);
    expect(isPlainText('a\ud800')).toBe(false);
    expect(isPlainText('\udc00b')).toBe(false);
    expect(isPlainText('tab\t')).toBe(false);
  });
});
