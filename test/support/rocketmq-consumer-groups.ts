/* eslint-disable @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any --
   The generated protobuf classes (see rocketmq-proto.ts) are used untyped. */
import * as grpc from '@grpc/grpc-js';
import { createHash, randomUUID } from 'node:crypto';
import type { StoredMessage } from './rocketmq-emulator';
import { def, INVALID_RECEIPT_HANDLE, OK, status, svc, Timestamp } from './rocketmq-proto';

interface Inflight {
  offset: number;
  invisibleUntil: number;
}

/**
 * The consumer side of the emulated proxy, per consumer group: which messages were acked, and
 * which are received and invisible (by receipt handle) until their invisible duration runs out.
 */
export class EmulatedConsumerGroups {
  private readonly acked = new Map<string, Set<number>>();
  private readonly inflight = new Map<string, Map<string, Inflight>>();
  /** Deliveries so far per group and offset. */
  private readonly attempts = new Map<string, Map<number, number>>();

  /**
   * Answers a ReceiveMessage: up to the batch size of the topic's messages not acked nor
   * invisible, waiting (long polling, at most 2 s) while there are none.
   */
  async receive(
    call: grpc.ServerWritableStream<any, any>,
    messages: StoredMessage[],
  ): Promise<void> {
    const request = call.request;
    const waitMs = request.hasLongPollingTimeout()
      ? Math.min(
          2000,
          request.getLongPollingTimeout().getSeconds() * 1000 +
            request.getLongPollingTimeout().getNanos() / 1e6,
        )
      : 0;
    const until = Date.now() + waitMs;
    while (!this.answer(call, messages) && Date.now() < until && !call.cancelled) {
      await new Promise((r) => setTimeout(r, 50));
    }
    if (!call.writableEnded) {
      call.write(
        new svc.ReceiveMessageResponse().setStatus(
          status(def.Code.MESSAGE_NOT_FOUND, 'no new message'),
        ),
      );
      call.end();
    }
  }

  /** Writes the ready messages and ends the call; false, writing nothing, when there are none. */
  private answer(call: grpc.ServerWritableStream<any, any>, messages: StoredMessage[]): boolean {
    const request = call.request;
    const group = request.getGroup().getName();
    const topic = request.getMessageQueue().getTopic().getName();
    const batch = request.getBatchSize() || 32;
    const invisibleMs = request.hasInvisibleDuration()
      ? request.getInvisibleDuration().getSeconds() * 1000
      : 30_000;
    const acked = this.acked.get(group) ?? new Set<number>();
    const inflight = this.inflight.get(group) ?? new Map<string, Inflight>();
    this.inflight.set(group, inflight);
    const now = Date.now();
    const busy = new Set(
      [...inflight.values()].filter((i) => i.invisibleUntil > now).map((i) => i.offset),
    );
    const ready = messages
      .filter((m) => m.topic === topic && !m.removed && !acked.has(m.offset) && !busy.has(m.offset))
      .slice(0, batch);
    if (ready.length === 0) return false;
    const attempts = this.attempts.get(group) ?? new Map<number, number>();
    this.attempts.set(group, attempts);
    call.write(new svc.ReceiveMessageResponse().setStatus(status(OK)));
    call.write(
      new svc.ReceiveMessageResponse().setDeliveryTimestamp(Timestamp.fromDate(new Date())),
    );
    for (const m of ready) {
      // A new delivery voids the handles of earlier ones.
      for (const [old, i] of inflight) if (i.offset === m.offset) inflight.delete(old);
      const handle = randomUUID();
      inflight.set(handle, { offset: m.offset, invisibleUntil: now + invisibleMs });
      const sys = new def.SystemProperties()
        .setKeysList(m.keys)
        .setMessageId(m.messageId)
        .setBodyDigest(
          new def.Digest()
            .setType(def.DigestType.MD5)
            .setChecksum(createHash('md5').update(m.body).digest('hex')),
        )
        .setBodyEncoding(def.Encoding.IDENTITY)
        .setMessageType(m.messageGroup ? def.MessageType.FIFO : def.MessageType.NORMAL)
        .setBornTimestamp(Timestamp.fromDate(new Date(m.storedAt)))
        .setBornHost('127.0.0.1')
        .setReceiptHandle(handle)
        .setQueueId(0)
        .setQueueOffset(m.offset)
        .setDeliveryAttempt((attempts.get(m.offset) ?? 0) + 1);
      attempts.set(m.offset, (attempts.get(m.offset) ?? 0) + 1);
      if (m.tag !== undefined) sys.setTag(m.tag);
      if (m.messageGroup !== undefined) sys.setMessageGroup(m.messageGroup);
      const message = new def.Message()
        .setTopic(new def.Resource().setName(m.topic))
        .setSystemProperties(sys)
        .setBody(m.body);
      for (const [k, v] of Object.entries(m.properties)) message.getUserPropertiesMap().set(k, v);
      call.write(new svc.ReceiveMessageResponse().setMessage(message));
    }
    call.end();
    return true;
  }

  /**
   * Answers an AckMessage: the handles' messages are never delivered to the group again. A handle
   * that is not the current one of a message in flight (acknowledged, redelivered or replaced by
   * ChangeInvisibleDuration) is refused with INVALID_RECEIPT_HANDLE, as the broker does.
   */
  ack(request: any): any {
    const group = request.getGroup().getName();
    const acked = this.acked.get(group) ?? new Set<number>();
    this.acked.set(group, acked);
    let refused = false;
    const entries = request.getEntriesList().map((e: any) => {
      const handle = e.getReceiptHandle();
      const inflight = this.inflight.get(group)?.get(handle);
      if (inflight) acked.add(inflight.offset);
      else refused = true;
      this.inflight.get(group)?.delete(handle);
      return new svc.AckMessageResultEntry()
        .setMessageId(e.getMessageId())
        .setReceiptHandle(handle)
        .setStatus(status(inflight ? OK : INVALID_RECEIPT_HANDLE));
    });
    return new svc.AckMessageResponse()
      .setStatus(status(refused ? INVALID_RECEIPT_HANDLE : OK))
      .setEntriesList(entries);
  }

  /** Answers a ChangeInvisibleDuration with a new receipt handle (the old one is void). */
  changeInvisibleDuration(request: any): any {
    const group = request.getGroup().getName();
    const old = request.getReceiptHandle();
    const inflight = this.inflight.get(group)?.get(old);
    if (!inflight) {
      return new svc.ChangeInvisibleDurationResponse().setStatus(status(INVALID_RECEIPT_HANDLE));
    }
    const handle = randomUUID();
    this.inflight.get(group)!.delete(old);
    const ms = request.getInvisibleDuration().getSeconds() * 1000;
    this.inflight
      .get(group)!
      .set(handle, { offset: inflight.offset, invisibleUntil: Date.now() + ms });
    return new svc.ChangeInvisibleDurationResponse().setStatus(status(OK)).setReceiptHandle(handle);
  }
}
