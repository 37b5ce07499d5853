/**
 * The benchmark's HTTP ceiling: a bare Fastify route of the prepare call's shape (JSON in, 201
 * JSON out, no database, no validation), in a process of its own. On a machine where the service,
 * MariaDB and the load generator share the cores, what it answers per second bounds what any
 * HTTP service can do there.
 */
import Fastify from 'fastify';

async function main(): Promise<void> {
  const app = Fastify({ logger: false });
  app.post('/v1/messages', async (request, reply) => {
    const body = request.body as { msgLogId?: string; topic?: string };
    await reply.code(201).send({
      id: '01JBENCHCEILING0000000000000',
      producerId: 'bench',
      msgLogId: body.msgLogId,
      topic: body.topic,
      tag: null,
      keys: [],
      properties: {},
      messageGroup: null,
      status: 'CONFIRMED',
      failMsg: null,
      checkBackCount: 0,
      deliveryAttempts: 0,
      nextAttemptAt: new Date().toISOString(),
      deliverAt: null,
      mqMessageId: null,
      seq: null,
      createdAt: new Date().toISOString(),
      confirmedAt: new Date().toISOString(),
      sentAt: null,
    });
  });
  await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
  console.log('listening');
}

void main();
