import express from 'express';
import Fastify from 'fastify';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ulid } from 'ulid';
import {
  CheckBackHandler,
  createCheckBackHandler,
  toExpressHandler,
  toFastifyHandler,
  toNodeListener,
} from '../../libs/client/src';
import { createBusinessDb } from '../support/business-db';
import { signedCheckBack } from '../support/check-back-server';

const PRODUCER = 'order-service';
const SECRET = 'secret-0123456789';

/** Calls a mounted check-back route over HTTP with the headers the service signs. */
async function callRoute(baseUrl: string, path: string, msgLogId: string) {
  const request = signedCheckBack(PRODUCER, SECRET, { msgLogId, messageId: ulid() }, { path });
  const response = await fetch(`${baseUrl}${request.target}`, {
    headers: request.headers as Record<string, string>,
  });
  return { status: response.status, body: await response.json() };
}

describe('Check-back adapters: Node http, Express, Fastify (e2e, MariaDB)', () => {
  let db: DataSource;
  let handler: CheckBackHandler;

  beforeAll(async () => {
    db = await createBusinessDb('mariadb', 'rms_sdk_adapters');
    handler = createCheckBackHandler({ dataSource: db, producers: { [PRODUCER]: SECRET } });
    await db.query(
      'CREATE TABLE rms_msg_log (msg_log_id VARCHAR(128) PRIMARY KEY, message_id CHAR(26), state VARCHAR(16) NOT NULL, created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))',
    );
  });

  afterAll(() => db.destroy());

  /** A committed msgLogId (its barrier row exists) and an unknown one, through one route. */
  async function expectAnswers(baseUrl: string, path: string) {
    const committed = `c-${randomUUID()}`;
    await db.query("INSERT INTO rms_msg_log (msg_log_id, state) VALUES (?, 'COMMITTED')", [
      committed,
    ]);
    expect(await callRoute(baseUrl, path, committed)).toEqual({
      status: 200,
      body: { status: 'COMMITTED' },
    });
    expect(await callRoute(baseUrl, path, `u-${randomUUID()}`)).toEqual({
      status: 200,
      body: { status: 'ROLLED_BACK' },
    });
    const unsigned = await fetch(`${baseUrl}${path}?msgLogId=x`);
    expect(unsigned.status).toBe(401);
  }

  const listen = async (server: Server) => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  it('should answer through a Node http server', async () => {
    const server = createServer(toNodeListener(handler));
    try {
      await expectAnswers(await listen(server), '/msg-log');
    } finally {
      server.close();
    }
  });

  it('should answer through Express, mounted under a prefix (the signed target is originalUrl)', async () => {
    const app = express();
    const router = express.Router();
    router.get('/check-back', toExpressHandler(handler));
    app.use('/rms', router);
    const server = createServer(app);
    try {
      await expectAnswers(await listen(server), '/rms/check-back');
    } finally {
      server.close();
    }
  });

  it('should answer through Fastify', async () => {
    const app = Fastify();
    app.get('/rms/check-back', toFastifyHandler(handler));
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      await expectAnswers(
        `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
        '/rms/check-back',
      );
    } finally {
      await app.close();
    }
  });
});
