import { hash, randomBytes } from 'node:crypto';

/** The kinds of API key the service issues, by prefix: producers and consumer groups. */
export type ApiKeyKind = 'rms' | 'rmsc';

/** A new API key: the kind's prefix, `_`, and 256 random bits. Shown once; only its hash is stored. */
export function generateApiKey(kind: ApiKeyKind = 'rms'): string {
  return `${kind}_${randomBytes(32).toString('base64url')}`;
}

/** What `generateApiKey(kind)` makes: anything else is refused before any lookup. */
export function apiKeyPattern(kind: ApiKeyKind): RegExp {
  return new RegExp(`^${kind}_[A-Za-z0-9_-]{43}$`);
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
  // The one-shot hash: a third of what a Hash object costs, on every authenticated request.
  return hash('sha256', apiKey, 'hex');
}
