import { MessageStatus, statusName } from '@app/contracts';
import { Injectable } from '@nestjs/common';
import {
  InvalidTransitionError,
  MsgLogIdConflictError,
  NotFoundError,
} from '../common/domain-errors';
import { isDuplicateKey } from '../common/store-errors';
import { Producer } from '../producers/producer';
import { Message } from '../state/message';
import { MessageReads } from '../state/message-reads';
import { ProducerTransitions } from '../state/producer-transitions';
import { PrepareMessageDto } from './dto/prepare-message.dto';
import { NewMessageFactory } from './new-message.factory';
import { ProducerWrites } from './producer-writes';

export interface PrepareResult {
  /** False when the msgLogId was already known with the same content (an idempotent replay). */
  created: boolean;
  message: Message;
}

/** The producer-facing use cases: prepare, confirm, cancel, read. */
@Injectable()
export class MessagesService {
  constructor(
    private readonly reads: MessageReads,
    private readonly transitions: ProducerTransitions,
    private readonly writes: ProducerWrites,
    private readonly factory: NewMessageFactory,
  ) {}

  async prepare(producer: Producer, dto: PrepareMessageDto): Promise<PrepareResult> {
    const message = this.factory.build(producer, dto);
    try {
      return { created: true, message: await this.writes.prepare(message) };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      return { created: false, message: await this.replay(producer, dto, message.contentHash) };
    }
  }

  /**
   * Prepares up to `LIMITS.batchMaxMessages` messages: the new ones in one transaction, the
   * msgLogIds stored before answered as replays (the existing message, or a conflict). Every
   * message is checked before anything is written; one that fails a check fails the request.
   * A batch of new msgLogIds (the rule) is stored by one write; only a batch that meets a known
   * one (all or nothing: nothing is stored then) reads which they are and stores the rest.
   */
  async prepareBatch(
    producer: Producer,
    dtos: PrepareMessageDto[],
  ): Promise<(PrepareResult | MsgLogIdConflictError)[]> {
    const built = this.factory.buildAll(producer, dtos);
    try {
      return (await this.transitions.prepare(built)).map((message) => ({ created: true, message }));
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const existing = new Map(
      (
        await this.reads.findByMsgLogIds(
          producer.id,
          dtos.map((d) => d.msgLogId),
        )
      ).map((m) => [m.msgLogId, m]),
    );
    const fresh = built.filter((m) => !existing.has(m.msgLogId));
    let stored: Message[];
    try {
      stored = fresh.length > 0 ? await this.transitions.prepare(fresh) : [];
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // Another request stored one of these msgLogIds since the read: each message on its own.
      return Promise.all(dtos.map((dto) => conflictAsValue(this.prepare(producer, dto))));
    }
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

  /** PENDING → CONFIRMED. Idempotent for CONFIRMED, SENT and FAILED; 409 when CANCELLED. */
  async confirm(producer: Producer, id: string): Promise<Message> {
    const { message: after } = await this.writes.confirm({ id, producerId: producer.id });
    if (!after) throw new NotFoundError(`message ${id} not found`);
    if (after.status === MessageStatus.CANCELLED || after.status === MessageStatus.PENDING) {
      throw new InvalidTransitionError(
        `message ${id} is ${statusName(after.status)} and cannot be confirmed`,
      );
    }
    return after;
  }

  /** PENDING → CANCELLED. Idempotent for CANCELLED; 409 otherwise. */
  async cancel(producer: Producer, id: string): Promise<Message> {
    const { message: after } = await this.transitions.cancel(id, producer.id);
    if (!after) throw new NotFoundError(`message ${id} not found`);
    if (after.status !== MessageStatus.CANCELLED) {
      throw new InvalidTransitionError(
        `message ${id} is ${statusName(after.status)} and cannot be cancelled`,
      );
    }
    return after;
  }

  async get(producer: Producer, id: string, withBody = false): Promise<Message> {
    const message = await this.reads.findById(id, { producerId: producer.id, withBody });
    if (!message) throw new NotFoundError(`message ${id} not found`);
    return message;
  }

  async getByMsgLogId(producer: Producer, msgLogId: string, withBody = false): Promise<Message> {
    const message = await this.reads.findByMsgLogId(producer.id, msgLogId, withBody);
    if (!message) throw new NotFoundError(`no message with msgLogId "${msgLogId}"`);
    return message;
  }

  /** A prepare whose msgLogId exists: the same content is a replay, other content a conflict. */
  private async replay(producer: Producer, dto: PrepareMessageDto, hash: string): Promise<Message> {
    const existing = await this.reads.findByMsgLogId(producer.id, dto.msgLogId);
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
      const { message } = await this.writes.confirm({
        id: existing.id,
        producerId: producer.id,
      });
      return message ?? existing;
    }
    return existing;
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
