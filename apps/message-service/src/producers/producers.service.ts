import { LIMITS } from '@app/contracts';
import { Injectable } from '@nestjs/common';
import { NotFoundError, UnauthorizedError, ValidationFailedError } from '../common/domain-errors';
import { isDuplicateKey } from '../common/store-errors';
import { generateApiKey, generateSigningSecret, hashApiKey } from './credentials';
import { Producer, ProducerPatch, ProducerPolicy } from './producer';
import { ProducerRepository } from './producer.repository';
import { httpOrigin } from './check-back-origins';

export interface RegisterProducerCommand {
  id: string;
  name?: string;
  checkBackUrl: string;
  allowedCheckBackOrigins?: string[];
  policy?: Partial<ProducerPolicy>;
}

export type UpdateProducerCommand = Omit<ProducerPatch, 'apiKeyHash' | 'signingSecret'>;

export interface RegisteredProducer {
  producer: Producer;
  /** Returned once, never stored in clear. */
  apiKey: string;
  signingSecret: string;
}

/**
 * Authenticated producers are cached briefly so that a request costs no extra query; unknown and
 * disabled keys too (in a cache of their own, so that a flood of bad keys cannot push the good
 * ones out). A value that cannot be a key never reaches MySQL.
 */
const AUTH_CACHE_TTL_MS = 5_000;
const AUTH_CACHE_MAX = 10_000;
/** What `generateApiKey` makes: `rms_` and 32 bytes in base64url. */
const API_KEY = /^rms_[A-Za-z0-9_-]{43}$/;

@Injectable()
export class ProducersService {
  private readonly known = new Map<string, { producer: Producer; until: number }>();
  private readonly refused = new Map<string, { error: UnauthorizedError; until: number }>();
  /** Lookups under way: concurrent requests with one key share one query. */
  private readonly lookups = new Map<string, Promise<Producer | undefined>>();

  constructor(private readonly producers: ProducerRepository) {}

  async register(command: RegisterProducerCommand): Promise<RegisteredProducer> {
    if (!LIMITS.producerIdPattern.test(command.id)) {
      throw ValidationFailedError.field(
        'id',
        'must be a slug: lowercase letters, digits, - and _, at most 64',
      );
    }
    if (!httpOrigin(command.checkBackUrl)) {
      throw ValidationFailedError.field('checkBackUrl', 'must be an http(s) URL');
    }
    const origins = (command.allowedCheckBackOrigins ?? []).map((o) => this.origin(o));
    const apiKey = generateApiKey();
    const signingSecret = generateSigningSecret();
    const policy: ProducerPolicy = {
      checkBackDelayMs: command.policy?.checkBackDelayMs ?? null,
      checkBackGiveUpMs: command.policy?.checkBackGiveUpMs ?? null,
      checkBackTimeoutMs: command.policy?.checkBackTimeoutMs ?? null,
      checkBackConcurrency: command.policy?.checkBackConcurrency ?? null,
    };
    try {
      await this.producers.insert({
        id: command.id,
        name: command.name ?? command.id,
        checkBackUrl: command.checkBackUrl,
        allowedCheckBackOrigins: origins,
        apiKeyHash: hashApiKey(apiKey),
        signingSecret,
        policy,
      });
    } catch (error) {
      if (isDuplicateKey(error))
        throw ValidationFailedError.field('id', `producer "${command.id}" already exists`);
      throw error;
    }
    const producer = await this.producers.findById(command.id);
    if (!producer) throw new Error(`producer ${command.id} vanished after insert`);
    return { producer, apiKey, signingSecret };
  }

  list(): Promise<Producer[]> {
    return this.producers.list();
  }

  async get(id: string): Promise<Producer> {
    const producer = await this.producers.findById(id);
    if (!producer) throw new NotFoundError(`producer ${id} not found`);
    return producer;
  }

  async update(id: string, command: UpdateProducerCommand): Promise<Producer> {
    if (command.checkBackUrl !== undefined && !httpOrigin(command.checkBackUrl)) {
      throw ValidationFailedError.field('checkBackUrl', 'must be an http(s) URL');
    }
    const origins = command.allowedCheckBackOrigins?.map((o) => this.origin(o));
    if (!(await this.producers.update(id, { ...command, allowedCheckBackOrigins: origins }))) {
      throw new NotFoundError(`producer ${id} not found`);
    }
    this.forgetKeys();
    return this.get(id);
  }

  /** A new API key (and signing secret when asked), returned once; the old key stops working. */
  async rotateKey(id: string, rotateSigningSecret = false): Promise<RegisteredProducer> {
    const apiKey = generateApiKey();
    const current = await this.get(id);
    const signingSecret = rotateSigningSecret ? generateSigningSecret() : current.signingSecret;
    await this.producers.update(id, { apiKeyHash: hashApiKey(apiKey), signingSecret });
    this.forgetKeys();
    return { producer: await this.get(id), apiKey, signingSecret };
  }

  /** The enabled producer owning this API key; UnauthorizedError otherwise. */
  async authenticate(apiKey: string): Promise<Producer> {
    if (!API_KEY.test(apiKey)) throw new UnauthorizedError('Invalid API key');
    const hash = hashApiKey(apiKey);
    const now = Date.now();
    const known = this.known.get(hash);
    if (known && known.until > now) return known.producer;
    const refused = this.refused.get(hash);
    if (refused && refused.until > now) throw refused.error;

    let lookup = this.lookups.get(hash);
    if (!lookup) {
      lookup = this.producers.findByApiKeyHash(hash).finally(() => this.lookups.delete(hash));
      this.lookups.set(hash, lookup);
    }
    const producer = await lookup;
    const until = Date.now() + AUTH_CACHE_TTL_MS;
    if (!producer || !producer.enabled) {
      const error = new UnauthorizedError(
        producer ? `Producer "${producer.id}" is disabled` : 'Invalid API key',
      );
      if (this.refused.size >= AUTH_CACHE_MAX) this.refused.clear();
      this.refused.set(hash, { error, until });
      throw error;
    }
    if (this.known.size >= AUTH_CACHE_MAX) this.known.clear();
    this.known.set(hash, { producer, until });
    return producer;
  }

  /** Forgets every cached key, after a change of producers. */
  private forgetKeys(): void {
    this.known.clear();
    this.refused.clear();
  }

  private origin(value: string): string {
    const origin = httpOrigin(value);
    if (!origin)
      throw ValidationFailedError.field(
        'allowedCheckBackOrigins',
        `"${value}" is not an http(s) origin`,
      );
    return origin;
  }
}
