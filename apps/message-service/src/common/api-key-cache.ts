import { UnauthorizedError } from './domain-errors';
import { apiKeyPattern, ApiKeyKind, hashApiKey } from './credentials';

/**
 * Authenticated keys are cached briefly so that a request costs no extra query; unknown and
 * refused keys too (in a cache of their own, so that a flood of bad keys cannot push the good
 * ones out). A value that cannot be a key never reaches MySQL.
 */
const TTL_MS = 5_000;
const MAX_ENTRIES = 10_000;

export interface ApiKeyCacheOptions<T> {
  kind: ApiKeyKind;
  /** The owner of a key hash, if any. */
  lookup: (hash: string) => Promise<T | undefined>;
  /** Why a found owner is refused (disabled, …), or undefined when it is accepted. */
  refusal: (owner: T) => string | undefined;
}

/** Authenticates bearer API keys of one kind against their owners, with the caches above. */
export class ApiKeyCache<T> {
  private readonly pattern: RegExp;
  private readonly known = new Map<string, { owner: T; until: number }>();
  private readonly refused = new Map<string, { error: UnauthorizedError; until: number }>();
  /** Lookups under way: concurrent requests with one key share one query. */
  private readonly lookups = new Map<string, Promise<T | undefined>>();

  constructor(private readonly options: ApiKeyCacheOptions<T>) {
    this.pattern = apiKeyPattern(options.kind);
  }

  /** The accepted owner of this key; UnauthorizedError otherwise. */
  async authenticate(apiKey: string): Promise<T> {
    if (!this.pattern.test(apiKey)) throw new UnauthorizedError('Invalid API key');
    const hash = hashApiKey(apiKey);
    const now = Date.now();
    const known = this.known.get(hash);
    if (known && known.until > now) return known.owner;
    const refused = this.refused.get(hash);
    if (refused && refused.until > now) throw refused.error;

    let lookup = this.lookups.get(hash);
    if (!lookup) {
      lookup = this.options.lookup(hash).finally(() => this.lookups.delete(hash));
      this.lookups.set(hash, lookup);
    }
    const owner = await lookup;
    const until = Date.now() + TTL_MS;
    const refusal = owner === undefined ? 'Invalid API key' : this.options.refusal(owner);
    if (refusal !== undefined) {
      const error = new UnauthorizedError(refusal);
      if (this.refused.size >= MAX_ENTRIES) this.refused.clear();
      this.refused.set(hash, { error, until });
      throw error;
    }
    if (this.known.size >= MAX_ENTRIES) this.known.clear();
    this.known.set(hash, { owner: owner!, until });
    return owner!;
  }

  /** Forgets every cached key, after a change of owners. */
  forget(): void {
    this.known.clear();
    this.refused.clear();
  }
}
