import { MessageStatus, statusName } from '@app/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { monotonicFactory } from 'ulid';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import {
  InvalidTransitionError,
  MsgLogIdConflictError,
  NotFoundError,
  PayloadTooLargeError,
  ValidationFailedError,
} from '../common/domain-errors';
import { isDuplicateKey } from '../common/store-errors';
import { DeliveryTrigger } from '../delivery/delivery-trigger';
import { MetricsService } from '../metrics/metrics.service';
import { Producer } from '../producers/producer';
import { ProducersService } from '../producers/producers.service';
import { PrepareMessageDto } from './dto/prepare-message.dto';
import { InsertBatcher } from './insert-batcher';
import { Message } from './message';
import { contentHash, decodeBody } from './message-content';
import { MessageRepository } from './message.repository';

export interface PrepareResult {
  /** False when the msgLogId was already known with the same content (an idempotent replay). */
  created: boolean;
  message: Message;
}

/** The producer-facing use cases: prepare, confirm, cancel, read. */
@Injectable()
export class MessagesService {
  private readonly ulid = monotonicFactory();

  constructor(
    private readonly messages: MessageRepository,
    private readonly producers: ProducersService,
    private readonly delivery: DeliveryTrigger,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
    private readonly batcher: InsertBatcher,
  ) {}

  async prepare(producer: Producer, dto: PrepareMessageDto): Promise<PrepareResult> {
    const body = decodeBody(dto.body, dto.bodyEncoding);
    if (body.length > this.config.maxBodyBytes) {
      throw new PayloadTooLargeError(
        `body is ${body.length} bytes after decoding; the limit is ${this.config.maxBodyBytes}`,
      );
    }
    if (
      dto.msgLogUrl !== undefined &&
      !this.producers.isAllowedCheckBackUrl(producer, dto.msgLogUrl)
    ) {
      throw ValidationFailedError.field(
        'msgLogUrl',
        "must be on the producer's check-back origin or one of its allowed origins",
      );
    }
    const content = {
      topic: dto.topic,
      tag: dto.tag ?? null,
      keys: dto.keys ?? [],
      properties: dto.properties ?? {},
      messageGroup: dto.messageGroup ?? null,
      deliverAt: dto.deliverAt !== undefined ? new Date(dto.deliverAt) : null,
      body,
    };
    const hash = contentHash(content);
    const id = this.ulid();
    let message: Message;
    try {
      message = await this.batcher.insert({
        id,
        producerId: producer.id,
        msgLogId: dto.msgLogId,
        ...content,
        contentHash: hash,
        msgLogUrl: dto.msgLogUrl ?? null,
        status: dto.confirmed ? MessageStatus.CONFIRMED : MessageStatus.PENDING,
        checkBackDelayMs: producer.policy.checkBackDelayMs ?? this.config.checkBack.delayMs,
      });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      return { created: false, message: await this.replay(producer, dto, hash) };
    }
    this.metrics.transition(dto.confirmed ? 'CONFIRMED' : 'PENDING', producer.id, dto.topic);
    if (dto.confirmed) this.delivery.confirmed([id]);
    return { created: true, message };
  }

  /** PENDING → CONFIRMED. Idempotent for CONFIRMED, SENT and FAILED; 409 when CANCELLED. */
  async confirm(producer: Producer, id: string): Promise<Message> {
    const { changed, message: after } = await this.batcher.confirm(id, producer.id);
    if (!after) throw new NotFoundError(`message ${id} not found`);
    if (changed) this.confirmed(producer, after);
    if (after.status === MessageStatus.CANCELLED || after.status === MessageStatus.PENDING) {
      throw new InvalidTransitionError(
        `message ${id} is ${statusName(after.status)} and cannot be confirmed`,
      );
    }
    return after;
  }

  /** PENDING → CANCELLED. Idempotent for CANCELLED; 409 otherwise. */
  async cancel(producer: Producer, id: string): Promise<Message> {
    const cancelled = await this.messages.cancel(
      id,
      MessageStatus.PENDING,
      'cancelled by the producer',
      { actor: 'producer' },
      producer.id,
    );
    const after = await this.mustFind(producer, id);
    if (cancelled) this.metrics.transition('CANCELLED', producer.id, after.topic);
    if (after.status !== MessageStatus.CANCELLED) {
      throw new InvalidTransitionError(
        `message ${id} is ${statusName(after.status)} and cannot be cancelled`,
      );
    }
    return after;
  }

  get(producer: Producer, id: string, withBody = false): Promise<Message> {
    return this.mustFind(producer, id, withBody);
  }

  async getByMsgLogId(producer: Producer, msgLogId: string, withBody = false): Promise<Message> {
    const message = await this.messages.findByMsgLogId(producer.id, msgLogId, withBody);
    if (!message) throw new NotFoundError(`no message with msgLogId "${msgLogId}"`);
    return message;
  }

  /** A prepare whose msgLogId exists: the same content is a replay, other content a conflict. */
  private async replay(producer: Producer, dto: PrepareMessageDto, hash: string): Promise<Message> {
    const existing = await this.messages.findByMsgLogId(producer.id, dto.msgLogId);
    if (!existing) {
      throw new MsgLogIdConflictError(
        `msgLogId "${dto.msgLogId}" is being written concurrently; retry`,
      );
    }
    if (existing.contentHash !== hash) {
      throw new MsgLogIdConflictError(
        `msgLogId "${dto.msgLogId}" already names message ${existing.id} with different content`,
      );
    }
    if (dto.confirmed && existing.status === MessageStatus.PENDING) {
      const confirmed = await this.messages.confirm(
        existing.id,
        { actor: 'producer', via: 'prepare replay' },
        producer.id,
      );
      const after = await this.mustFind(producer, existing.id);
      if (confirmed) this.confirmed(producer, after);
      return after;
    }
    return existing;
  }

  /** After PENDING → CONFIRMED committed: count it and start delivery. */
  private confirmed(producer: Producer, message: Message): void {
    this.metrics.transition('CONFIRMED', producer.id, message.topic);
    this.delivery.confirmed([message.id]);
  }

  private async mustFind(producer: Producer, id: string, withBody = false): Promise<Message> {
    const message = await this.messages.findById(id, { producerId: producer.id, withBody });
    if (!message) throw new NotFoundError(`message ${id} not found`);
    return message;
  }
}
