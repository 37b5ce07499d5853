import { LIMITS } from '@app/contracts';
import { Injectable } from '@nestjs/common';
import { ApiKeyCache } from '../common/api-key-cache';
import { generateApiKey, hashApiKey } from '../common/credentials';
import { NotFoundError, ValidationFailedError } from '../common/domain-errors';
import { isDuplicateKey } from '../common/store-errors';
import { ConsumerGroup } from './consumer-group';
import { ConsumerGroupRepository } from './consumer-group.repository';
import { ReceiptRepository } from './receipt.repository';

export interface RegisteredConsumerGroup {
  group: ConsumerGroup;
  /** Returned once, never stored in clear. */
  apiKey: string;
}

/**
 * Consumer groups, registered by operators: each gets an API key of its own kind (`rmsc_…`), which
 * can post receipts and nothing else; producer keys and the admin token cannot post receipts.
 */
@Injectable()
export class ConsumerGroupsService {
  private readonly keys: ApiKeyCache<ConsumerGroup>;

  constructor(
    private readonly groups: ConsumerGroupRepository,
    private readonly receipts: ReceiptRepository,
  ) {
    this.keys = new ApiKeyCache({
      kind: 'rmsc',
      lookup: (hash) => this.groups.findByApiKeyHash(hash),
      refusal: (g) => (g.enabled ? undefined : `Consumer group "${g.id}" is disabled`),
    });
  }

  async register(id: string, topics: string[]): Promise<RegisteredConsumerGroup> {
    if (!LIMITS.producerIdPattern.test(id)) {
      throw ValidationFailedError.field(
        'id',
        'must be a slug: lowercase letters, digits, - and _, at most 64',
      );
    }
    const apiKey = generateApiKey('rmsc');
    try {
      await this.groups.insert(id, [...new Set(topics)], hashApiKey(apiKey));
    } catch (error) {
      if (isDuplicateKey(error))
        throw ValidationFailedError.field('id', `consumer group "${id}" already exists`);
      throw error;
    }
    await this.receipts.startAt(id, topics);
    return { group: await this.get(id), apiKey };
  }

  list(): Promise<ConsumerGroup[]> {
    return this.groups.list();
  }

  async get(id: string): Promise<ConsumerGroup> {
    const group = await this.groups.findById(id);
    if (!group) throw new NotFoundError(`consumer group ${id} not found`);
    return group;
  }

  async update(
    id: string,
    patch: { topics?: string[]; enabled?: boolean },
  ): Promise<ConsumerGroup> {
    const topics = patch.topics && [...new Set(patch.topics)];
    if (!(await this.groups.update(id, { ...patch, topics })))
      throw new NotFoundError(`consumer group ${id} not found`);
    if (topics) await this.receipts.startAt(id, topics);
    this.keys.forget();
    return this.get(id);
  }

  /** A new API key, returned once; the old one stops working. */
  async rotateKey(id: string): Promise<RegisteredConsumerGroup> {
    const apiKey = generateApiKey('rmsc');
    if (!(await this.groups.update(id, { apiKeyHash: hashApiKey(apiKey) })))
      throw new NotFoundError(`consumer group ${id} not found`);
    this.keys.forget();
    return { group: await this.get(id), apiKey };
  }

  /** The enabled group owning this API key; UnauthorizedError otherwise. */
  authenticate(apiKey: string): Promise<ConsumerGroup> {
    return this.keys.authenticate(apiKey);
  }
}
