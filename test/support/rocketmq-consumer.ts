import { MessageView, SimpleConsumer } from 'rocketmq-client-nodejs';

const quiet = {
  info: () => undefined,
  debug: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** A SimpleConsumer from the real client, subscribed to one topic (all tags). */
export async function startConsumer(
  endpoints: string,
  topic: string,
  group = 'rms-test',
): Promise<SimpleConsumer> {
  const consumer = new SimpleConsumer({
    endpoints,
    namespace: '',
    consumerGroup: group,
    subscriptions: new Map([[topic, '*']]),
    awaitDuration: 1000,
    logger: quiet,
  });
  await consumer.startup();
  return consumer;
}

/** Receives until `count` messages arrived (each acked) or `timeoutMs` passed. */
export async function receiveAll(
  consumer: SimpleConsumer,
  count: number,
  timeoutMs = 10_000,
): Promise<MessageView[]> {
  const received: MessageView[] = [];
  const deadline = Date.now() + timeoutMs;
  while (received.length < count && Date.now() < deadline) {
    const batch = await consumer.receive(32, 10_000);
    for (const m of batch) {
      received.push(m);
      await consumer.ack(m);
    }
    if (batch.length === 0) await new Promise((r) => setTimeout(r, 100));
  }
  return received;
}

/** Shuts a client down without letting a dead endpoint hang the test. */
export async function shutdownQuietly(
  client: { shutdown(): Promise<void> } | undefined,
): Promise<void> {
  if (!client) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    client.shutdown().catch(() => undefined),
    new Promise((r) => {
      timer = setTimeout(r, 3000);
    }),
  ]);
  clearTimeout(timer);
}
