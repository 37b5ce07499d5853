import { apiKeyPattern, generateApiKey, hashApiKey } from './credentials';

describe('credentials', () => {
  it('should hash an API key as the hex SHA-256 of its UTF-8 bytes', () => {
    // sha256("abc"), the FIPS 180-2 test vector.
    expect(hashApiKey('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('should generate keys of their kind that the kind’s pattern accepts', () => {
    expect(generateApiKey('rms')).toMatch(apiKeyPattern('rms'));
    expect(generateApiKey('rmsc')).toMatch(apiKeyPattern('rmsc'));
    expect(generateApiKey('rmsc')).not.toMatch(apiKeyPattern('rms'));
  });
});
