import { ErrorDetail, MessageStatus, statusName } from '@app/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import {
  InvalidTransitionError,
  MsgLogIdConflictError,
  NotFoundError,
  PayloadTooLargeError,
  ValidationFailedError,
} from '../common/domain-errors';
import { isDuplicateKey } from '../common/store-errors';
import { UlidFactory } from '../common/ulid';
import { retryOnDeadlock } from '../database/isolation';
import { DeliveryTrigger } from '../delivery/delivery-trigger';
import { MetricsService } from '../metrics/metrics.service';
import { Producer } from '../producers/producer';
import { ProducersService } from '../producers/producers.service';
import { PrepareMessageDto } from './dto/prepare-message.dto';
import { InsertBatcher } from './insert-batcher';
import { Message, NewMessage } from './message';
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
  private readonly ulids = new UlidFactory();

  constructor(
    private readonly messages: MessageRepository,
    private readonly producers: ProducersService,
    private readonly delivery: DeliveryTrigger,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
    private readonly batcher: InsertBatcher,
  ) {}

  async prepare(producer: Producer, dto: PrepareMessageDto): Promise<PrepareResult> {
    const message = this.toNewMessage(producer, dto);
    let stored: Message;
    try {
      stored = await this.batcher.insert(message);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      return { created: false, message: await this.replay(producer, dto, message.contentHash) };
    }
    this.created(producer, [stored]);
    return { created: true, message: stored };
  }

  /**
   * Prepares up to `LIMITS.batchMaxMessages` messages: the new ones in one transaction, the
   * msgLogIds stored before answered as replays (the existing message, or a conflict). Every
   * message is checked before anything is written; one that fails a check fails the request.
   */
  async prepareBatch(
    producer: Producer,
    dtos: PrepareMessageDto[],
  ): Promise<(PrepareResult | MsgLogIdConflictError)[]> {
    const built = this.toNewMessages(producer, dtos);
    const existing = new Map(
      (
        await this.messages.findByMsgLogIds(
          producer.id,
          dtos.map((d) => d.msgLogId),
        )
      ).map((m) => [m.msgLogId, m]),
    );
    const fresh = built.filter((m) => !existing.has(m.msgLogId));
    let stored: Message[];
    try {
      stored = fresh.length > 0 ? await retryOnDeadlock(() => this.messages.insertMany(fresh)) : [];
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // Another request stored one of these msgLogIds since the read: each message on its own.
      return Promise.all(dtos.map((dto) => conflictAsValue(this.prepare(producer, dto))));
    }
    this.created(producer, stored);
    const storedByLogId = new Map(stored.map((m) => [m.msgLogId, m]));
    return Promise.all(
      dtos.map((dto, i): Promise<PrepareResult | MsgLogIdConflictError> => {
        const created = storedByLogId.get(dto.msgLogId);
        if (created) return Promise.resolve({ created: true, message: created });
        const before = existing.get(dto.msgLogId)!;
        return conflictAsValue(
          this.resolveReplay(producer, dto, built[i].contentHash, before).then((message) => ({
            created: false,
            message,
          })),
        );
      }),
    );
  }

  /** Checks one prepare and builds the row it stores. Field names in errors start with `at`. */
  private toNewMessage(producer: Producer, dto: PrepareMessageDto, at = ''): NewMessage {
    const body = decodeBody(dto.body, dto.bodyEncoding);
    if (body.length > this.config.maxBodyBytes) {
      throw new PayloadTooLargeError(
        `${at}body is ${body.length} bytes after decoding; the limit is ${this.config.maxBodyBytes}`,
      );
    }
    if (
      dto.msgLogUrl !== undefined &&
      !this.producers.isAllowedCheckBackUrl(producer, dto.msgLogUrl)
    ) {
      throw ValidationFailedError.field(
        `${at}msgLogUrl`,
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
    return {
      id: this.ulids.next(),
      producerId: producer.id,
      msgLogId: dto.msgLogId,
      ...content,
      contentHash: contentHash(content),
      msgLogUrl: dto.msgLogUrl ?? null,
      status: dto.confirmed ? MessageStatus.CONFIRMED : MessageStatus.PENDING,
      checkBackDelayMs: producer.policy.checkBackDelayMs ?? this.config.checkBack.delayMs,
    };
  }

  /**
   * `toNewMessage` for each message of a batch; every field problem of every message is reported
   * together, and a msgLogId given twice is one of them.
   */
  private toNewMessages(producer: Producer, dtos: PrepareMessageDto[]): NewMessage[] {
    const details: ErrorDetail[] = [];
    const first = new Map<string, number>();
    const built = dtos.map((dto, i) => {
      const at = `messages.${i}.`;
      const j = first.get(dto.msgLogId);
      if (j !== undefined) {
        details.push({ field: `${at}msgLogId`, message: `repeats messages.${j}.msgLogId` });
      } else {
        first.set(dto.msgLogId, i);
      }
      try {
        return this.toNewMessage(producer, dto, at);
      } catch (error) {
        if (!(error instanceof ValidationFailedError)) throw error;
        details.push(...(error.details ?? []));
        return undefined;
      }
    });
    if (details.length > 0) {
      throw new ValidationFailedError(
        details.map((d) => `${d.field}: ${d.message}`).join('; '),
        details,
      );
    }
    return built as NewMessage[];
  }

  /** After new messages committed: count them and start delivery of the confirmed ones. */
  private created(producer: Producer, stored: Message[]): void {
    const confirmed: string[] = [];
    for (const m of stored) {
      const isConfirmed = m.status === MessageStatus.CONFIRMED;
      this.metrics.transition(isConfirmed ? 'CONFIRMED' : 'PENDING', producer.id, m.topic);
      if (isConfirmed) confirmed.push(m.id);
    }
    this.delivery.confirmed(confirmed);
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
    return this.resolveReplay(producer, dto, hash, existing);
  }

  private async resolveReplay(
    producer: Producer,
    dto: PrepareMessageDto,
    hash: string,
    existing: Message,
  ): Promise<Message> {
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

/** A 409 conflict of one message of a batch becomes its result; any other error fails the batch. */
function conflictAsValue(
  result: Promise<PrepareResult>,
): Promise<PrepareResult | MsgLogIdConflictError> {
  return result.catch((error: unknown) => {
    if (error instanceof MsgLogIdConflictError) return error;
    throw error;
  });
}
