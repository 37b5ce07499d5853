/** A message as the consumer's handler gets it. */
export interface RmsMessage {
  /** The service's message id (`rms-message-id`): the same on every delivery, resends included. */
  id: string;
  producerId: string;
  /** The producer's business id of the message. */
  msgLogId: string;
  topic: string;
  tag: string | null;
  keys: string[];
  /** The producer's properties (the service's `rms-*` ones are in the fields above). */
  properties: Record<string, string>;
  /** The per-(producer, topic) sequence number; null for a message without one. */
  seq: number | null;
  messageGroup: string | null;
  body: Buffer;
  /** The body parsed as JSON. */
  json<T = unknown>(): T;
  /** How many times the MQ has delivered this entry (1 = first). */
  deliveryCount: number;
}

/** The service's properties, as every delivered message carries them. */
export const RMS_PROPERTIES = {
  messageId: 'rms-message-id',
  producer: 'rms-producer',
  msgLogId: 'rms-msg-log-id',
  seq: 'rms-seq',
} as const;

/** Builds the handler's view from what a driver read. */
export function toRmsMessage(input: {
  topic: string;
  tag: string | null;
  keys: string[];
  properties: Record<string, string>;
  messageGroup: string | null;
  body: Buffer;
  deliveryCount: number;
  fallbackId: string;
}): RmsMessage {
  const own: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.properties)) {
    if (!k.startsWith('rms-')) own[k] = v;
  }
  const seq = Number(input.properties[RMS_PROPERTIES.seq]);
  const body = input.body;
  return {
    id: input.properties[RMS_PROPERTIES.messageId] ?? input.fallbackId,
    producerId: input.properties[RMS_PROPERTIES.producer] ?? '',
    msgLogId: input.properties[RMS_PROPERTIES.msgLogId] ?? '',
    topic: input.topic,
    tag: input.tag,
    keys: input.keys,
    properties: own,
    seq: Number.isSafeInteger(seq) && seq > 0 ? seq : null,
    messageGroup: input.messageGroup,
    body,
    json: <T>() => JSON.parse(body.toString('utf8')) as T,
    deliveryCount: input.deliveryCount,
  };
}
