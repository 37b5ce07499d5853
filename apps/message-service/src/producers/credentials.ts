import { createHash, randomBytes } from 'node:crypto';

/** A new API key: `rms_` + 256 random bits. Shown once; only its hash is stored. */
export function generateApiKey(): string {
  return `rms_${randomBytes(32).toString('base64url')}`;
}

/** A new HMAC signing secret for check-back requests. */
export function generateSigningSecret(): string {
  return randomBytes(32).toString('hex');
}

/**
 * SHA-256 of an API key. A slow password hash is unnecessary: keys carry 256 bits of entropy,
 * and a fast hash lets every request be authenticated with one indexed lookup.
 */
export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex');
}
