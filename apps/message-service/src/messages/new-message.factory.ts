import { ErrorDetail, MessageStatus, parseInstant } from '@app/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { PayloadTooLargeError, ValidationFailedError } from '../common/domain-errors';
import { UlidFactory } from '../common/ulid';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Producer } from '../producers/producer';
import { isAllowedCheckBackUrl } from '../producers/check-back-origins';
import { NewMessage } from '../state/message';
import { PrepareMessageDto } from './dto/prepare-message.dto';
import { contentHash, decodeBody } from './message-content';

/** Checks prepare requests and builds the rows they store (with a fresh ULID each). */
@Injectable()
export class NewMessageFactory {
  private readonly ulids = new UlidFactory();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Checks one prepare and builds its row. Field names in errors start with `at`. */
  build(producer: Producer, dto: PrepareMessageDto, at = ''): NewMessage {
    const body = decodeBody(dto.body, dto.bodyEncoding);
    if (body.length > this.config.maxBodyBytes) {
      throw new PayloadTooLargeError(
        `${at}body is ${body.length} bytes after decoding; the limit is ${this.config.maxBodyBytes}`,
      );
    }
    if (dto.msgLogUrl !== undefined && !isAllowedCheckBackUrl(producer, dto.msgLogUrl)) {
      throw ValidationFailedError.field(
        `${at}msgLogUrl`,
        "must be on the producer's check-back origin or one of its allowed origins",
      );
    }
    if (dto.messageGroup !== undefined && dto.deliverAt !== undefined) {
      // A group is delivered in confirm order; a delay would hold the whole group back (RocketMQ's
      // FIFO topics take no delay either).
      throw ValidationFailedError.field(
        `${at}deliverAt`,
        'cannot be combined with messageGroup: a group is delivered in confirm order',
      );
    }
    const deliverAt = dto.deliverAt !== undefined ? parseInstant(dto.deliverAt)! : null;
    if (deliverAt && deliverAt.getTime() > Date.now() + this.config.deliverAtMaxMs) {
      throw ValidationFailedError.field(
        `${at}deliverAt`,
        `must be at most ${this.config.deliverAtMaxMs} ms (DELIVER_AT_MAX_MS) ahead`,
      );
    }
    const content = {
      topic: dto.topic,
      tag: dto.tag ?? null,
      keys: dto.keys ?? [],
      properties: dto.properties ?? {},
      messageGroup: dto.messageGroup ?? null,
      deliverAt,
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
   * `build` for each message of a batch; every field problem of every message is reported
   * together (as one 400), and a msgLogId given twice is one of them.
   */
  buildAll(producer: Producer, dtos: PrepareMessageDto[]): NewMessage[] {
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
        return this.build(producer, dto, at);
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
}
