import { MessageStatus } from '@app/contracts';
import { automock, unitConfig } from '../../../../test/support/unit';
import {
  InvalidTransitionError,
  MsgLogIdConflictError,
  NotFoundError,
  PayloadTooLargeError,
  ValidationFailedError,
} from '../common/domain-errors';
import { Producer } from '../producers/producer';
import { Message, NewMessage } from '../state/message';
import { MessageReads } from '../state/message-reads';
import { ProducerTransitions } from '../state/producer-transitions';
import { PrepareMessageDto } from './dto/prepare-message.dto';
import { MessagesService } from './messages.service';
import { NewMessageFactory } from './new-message.factory';
import { ProducerWrites } from './producer-writes';

const producer: Producer = {
  id: 'orders',
  name: 'orders',
  checkBackUrl: 'http://127.0.0.1:8080/log',
  allowedCheckBackOrigins: ['http://127.0.0.1:9090'],
  signingSecret: 'secret',
  enabled: true,
  policy: {
    checkBackDelayMs: null,
    checkBackGiveUpMs: null,
    checkBackTimeoutMs: null,
    checkBackConcurrency: null,
  },
  createdAt: new Date(),
  updatedAt: new Date(),
};

const dto = (overrides: Partial<PrepareMessageDto> = {}): PrepareMessageDto =>
  Object.assign(new PrepareMessageDto(), {
    msgLogId: 'order-1',
    topic: 'orders',
    body: '{"orderId":1}',
    ...overrides,
  });

/** The stored message of a row, in `status`. */
const stored = (m: NewMessage, status = m.status as MessageStatus): Message => ({
  ...m,
  status,
  failMsg: null,
  checkBackCount: 0,
  deliveryAttempts: 0,
  nextAttemptAt: null,
  mqMessageId: null,
  seq: null,
  createdAt: new Date(),
  confirmedAt: null,
  sentAt: null,
});

/** The message stored earlier for this request, as the database holds it. */
const earlier = (request: PrepareMessageDto, status = MessageStatus.PENDING) =>
  stored(new NewMessageFactory(unitConfig()).build(producer, request), status);

const duplicateKey = () => Object.assign(new Error('Duplicate entry'), { errno: 1062 });

describe(MessagesService.name, () => {
  let sut: MessagesService;
  let reads: jest.Mocked<MessageReads>;
  let transitions: jest.Mocked<ProducerTransitions>;
  let writes: jest.Mocked<ProducerWrites>;

  beforeEach(() => {
    reads = automock<MessageReads>('findById', 'findByMsgLogId', 'findByMsgLogIds');
    transitions = automock<ProducerTransitions>('prepare', 'cancel');
    writes = automock<ProducerWrites>('prepare', 'confirm');
    writes.prepare.mockImplementation((m) => Promise.resolve(stored(m)));
    const factory = new NewMessageFactory(unitConfig({ MAX_BODY_BYTES: '16' }));
    sut = new MessagesService(reads, transitions, writes, factory);
  });

  describe('prepare', () => {
    it('should store a new message: 201', async () => {
      const result = await sut.prepare(producer, dto());
      expect(result.created).toBe(true);
      expect(result.message).toMatchObject({ msgLogId: 'order-1', status: MessageStatus.PENDING });
      expect(writes.prepare.mock.calls[0][0]).toMatchObject({
        producerId: 'orders',
        body: Buffer.from('{"orderId":1}'),
        checkBackDelayMs: 30_000,
      });
    });

    it('should store a CONFIRMED message with confirmed: true', async () => {
      await sut.prepare(producer, dto({ confirmed: true }));
      expect(writes.prepare.mock.calls[0][0].status).toBe(MessageStatus.CONFIRMED);
    });

    it('should answer a replay of the same content with the existing message: 200', async () => {
      const before = earlier(dto());
      writes.prepare.mockRejectedValue(duplicateKey());
      reads.findByMsgLogId.mockResolvedValue(before);
      expect(await sut.prepare(producer, dto({ confirmed: false }))).toEqual({
        created: false,
        message: before,
      });
      expect(writes.confirm).not.toHaveBeenCalled();
    });

    it('should confirm a PENDING message on a replay with confirmed: true', async () => {
      const before = earlier(dto());
      writes.prepare.mockRejectedValue(duplicateKey());
      reads.findByMsgLogId.mockResolvedValue(before);
      writes.confirm.mockResolvedValue({
        changed: true,
        message: { ...before, status: MessageStatus.CONFIRMED },
      });
      const result = await sut.prepare(producer, dto({ confirmed: true }));
      expect(result.message.status).toBe(MessageStatus.CONFIRMED);
      expect(writes.confirm).toHaveBeenCalledWith({
        id: before.id,
        producerId: 'orders',
      });
    });

    it('should refuse other content under a known msgLogId: 409', async () => {
      writes.prepare.mockRejectedValue(duplicateKey());
      reads.findByMsgLogId.mockResolvedValue(earlier(dto({ body: 'other' })));
      await expect(sut.prepare(producer, dto())).rejects.toBeInstanceOf(MsgLogIdConflictError);
    });

    it('should answer 409 when the duplicate is not readable yet', async () => {
      writes.prepare.mockRejectedValue(duplicateKey());
      reads.findByMsgLogId.mockResolvedValue(undefined);
      await expect(sut.prepare(producer, dto())).rejects.toThrow(/concurrently; retry/);
    });

    it('should pass on any other store error', async () => {
      writes.prepare.mockRejectedValue(new Error('connection lost'));
      await expect(sut.prepare(producer, dto())).rejects.toThrow('connection lost');
    });

    it('should refuse a body over the limit after decoding: 413', async () => {
      await expect(sut.prepare(producer, dto({ body: 'x'.repeat(17) }))).rejects.toBeInstanceOf(
        PayloadTooLargeError,
      );
      expect(writes.prepare).not.toHaveBeenCalled();
    });

    it("should refuse a msgLogUrl off the producer's origins: 400", async () => {
      await expect(
        sut.prepare(producer, dto({ msgLogUrl: 'http://127.0.0.2:8080/log' })),
      ).rejects.toBeInstanceOf(ValidationFailedError);
      await sut.prepare(producer, dto({ msgLogUrl: 'http://127.0.0.1:9090/log' }));
      expect(writes.prepare).toHaveBeenCalledTimes(1);
    });
  });

  describe('prepareBatch', () => {
    it('should store a batch of new msgLogIds in one write, without reading which are known', async () => {
      transitions.prepare.mockImplementation((ms) => Promise.resolve(ms.map((m) => stored(m))));
      const results = await sut.prepareBatch(producer, [
        dto({ msgLogId: 'a' }),
        dto({ msgLogId: 'b', confirmed: true }),
      ]);
      expect(reads.findByMsgLogIds).not.toHaveBeenCalled();
      expect(transitions.prepare).toHaveBeenCalledTimes(1);
      expect(results).toMatchObject([
        { created: true, message: { msgLogId: 'a', status: MessageStatus.PENDING } },
        { created: true, message: { msgLogId: 'b', status: MessageStatus.CONFIRMED } },
      ]);
    });

    it('should store the new messages in one write and answer the known ones as replays or conflicts', async () => {
      const same = dto({ msgLogId: 'a' });
      const changed = dto({ msgLogId: 'b' });
      const fresh = dto({ msgLogId: 'c' });
      reads.findByMsgLogIds.mockResolvedValue([
        earlier(same),
        earlier(dto({ msgLogId: 'b', body: 'other' })),
      ]);
      // The whole batch meets the known msgLogIds first (nothing stored), then the rest goes.
      transitions.prepare
        .mockRejectedValueOnce(duplicateKey())
        .mockImplementation((ms) => Promise.resolve(ms.map((m) => stored(m))));
      const results = await sut.prepareBatch(producer, [same, changed, fresh]);
      expect(transitions.prepare).toHaveBeenCalledTimes(2);
      expect(transitions.prepare.mock.calls[1][0].map((m) => m.msgLogId)).toEqual(['c']);
      expect(results[0]).toMatchObject({ created: false, message: { msgLogId: 'a' } });
      expect(results[1]).toBeInstanceOf(MsgLogIdConflictError);
      expect(results[2]).toMatchObject({ created: true, message: { msgLogId: 'c' } });
    });

    it('should write each message on its own when another request stored one meanwhile', async () => {
      reads.findByMsgLogIds.mockResolvedValue([]);
      transitions.prepare.mockRejectedValue(duplicateKey());
      const results = await sut.prepareBatch(producer, [
        dto({ msgLogId: 'a' }),
        dto({ msgLogId: 'b' }),
      ]);
      expect(writes.prepare).toHaveBeenCalledTimes(2);
      expect(results.map((r) => (r instanceof Error ? r : r.created))).toEqual([true, true]);
    });

    it('should pass on a store error other than a known msgLogId, reading nothing', async () => {
      const down = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      transitions.prepare.mockRejectedValue(down);
      await expect(sut.prepareBatch(producer, [dto({ msgLogId: 'a' })])).rejects.toBe(down);
      expect(reads.findByMsgLogIds).not.toHaveBeenCalled();
    });

    it('should refuse the whole batch, naming each field, when a msgLogId repeats', async () => {
      const error = await sut
        .prepareBatch(producer, [dto({ msgLogId: 'a' }), dto({ msgLogId: 'a' })])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationFailedError);
      expect((error as ValidationFailedError).details).toEqual([
        { field: 'messages.1.msgLogId', message: 'repeats messages.0.msgLogId' },
      ]);
      expect(transitions.prepare).not.toHaveBeenCalled();
    });
  });

  describe('confirm', () => {
    const message = earlier(dto());

    it.each([MessageStatus.CONFIRMED, MessageStatus.SENT, MessageStatus.FAILED])(
      'should answer the message when it is %s after the confirm',
      async (status) => {
        writes.confirm.mockResolvedValue({ changed: false, message: { ...message, status } });
        expect((await sut.confirm(producer, message.id)).status).toBe(status);
      },
    );

    it('should refuse a CANCELLED message: 409', async () => {
      writes.confirm.mockResolvedValue({
        changed: false,
        message: { ...message, status: MessageStatus.CANCELLED },
      });
      await expect(sut.confirm(producer, message.id)).rejects.toBeInstanceOf(
        InvalidTransitionError,
      );
    });

    it("should answer 404 for a message that is not the producer's", async () => {
      writes.confirm.mockResolvedValue({ changed: false });
      await expect(sut.confirm(producer, message.id)).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe('cancel', () => {
    const message = earlier(dto());

    it('should answer a CANCELLED message, cancelled now or before', async () => {
      transitions.cancel.mockResolvedValue({
        changed: false,
        message: { ...message, status: MessageStatus.CANCELLED },
      });
      expect((await sut.cancel(producer, message.id)).status).toBe(MessageStatus.CANCELLED);
      expect(transitions.cancel).toHaveBeenCalledWith(message.id, 'orders');
    });

    it('should refuse a message that is past PENDING: 409', async () => {
      transitions.cancel.mockResolvedValue({
        changed: false,
        message: { ...message, status: MessageStatus.SENT },
      });
      await expect(sut.cancel(producer, message.id)).rejects.toBeInstanceOf(InvalidTransitionError);
    });
  });
});
