import { LIMITS } from '@app/contracts';
import { Injectable } from '@nestjs/common';
import { ApiKeyCache } from '../common/api-key-cache';
import { NotFoundError, ValidationFailedError } from '../common/domain-errors';
import { isDuplicateKey } from '../common/store-errors';
import { generateApiKey, generateSigningSecret, hashApiKey } from '../common/credentials';
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

@Injectable()
export class ProducersService {
  private readonly keys: ApiKeyCache<Producer>;

  constructor(private readonly producers: ProducerRepository) {
    this.keys = new ApiKeyCache({
      kind: 'rms',
      lookup: (hash) => this.producers.findByApiKeyHash(hash),
      refusal: (p) => (p.enabled ? undefined : `Producer "${p.id}" is disabled`),
    });
  }

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
  authenticate(apiKey: string): Promise<Producer> {
    return this.keys.authenticate(apiKey);
  }

  /** Forgets every cached key, after a change of producers. */
  private forgetKeys(): void {
    this.keys.forget();
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
