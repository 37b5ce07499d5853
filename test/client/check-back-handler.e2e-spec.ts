import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ulid } from 'ulid';
import {
  CheckBackHandler,
  createCheckBackHandler,
  RmsClient,
  TransactionalPublisher,
} from '../../libs/client/src';
import { BusinessFlavor, createBusinessDb } from '../support/business-db';
import { signedCheckBack } from '../support/check-back-server';

const PRODUCER = 'order-service';
const SECRET = 'secret-0123456789';

describe.each<BusinessFlavor>(['mariadb', 'postgres'])(
  'The check-back handler and the barrier table on %s (e2e)',
  (flavor) => {
    let db: DataSource;
    let publisher: TransactionalPublisher;
    let handler: CheckBackHandler;

    beforeAll(async () => {
      db = await createBusinessDb(flavor, `rms_sdk_handler_${flavor}`);
      const client = new RmsClient({ baseUrl: 'http://127.0.0.1:9', apiKey: 'unused' });
      publisher = new TransactionalPublisher({ client, dataSource: db });
      await publisher.ensureSchema();
      await publisher.ensureSchema(); // twice: it only creates what is missing
      handler = createCheckBackHandler({ publisher, producers: { [PRODUCER]: SECRET } });
    });

    afterAll(() => db.destroy());

    const p = (n: number) => (flavor === 'mariadb' ? '?' : `$${n}`);
    const barrierRows = (msgLogId: string) =>
      db.query<{ state: string }[]>(`SELECT state FROM rms_msg_log WHERE msg_log_id = ${p(1)}`, [
        msgLogId,
      ]);

    it.each<[string, { signature?: string; timestamp?: number; producer?: string }]>([
      ['a wrong signature', { signature: 'v1=00' }],
      ['a stale timestamp', { timestamp: Date.now() - 10 * 60 * 1000 }],
      ['an unknown producer', { producer: 'somebody-else' }],
    ])('should refuse %s with 401 and write no row', async (_, change) => {
      const msgLogId = `probe-${randomUUID()}`;
      const request = signedCheckBack(
        change.producer ?? PRODUCER,
        SECRET,
        { msgLogId, messageId: ulid() },
        { timestamp: change.timestamp },
      );
      if (change.signature) request.headers['x-rms-signature'] = change.signature;
      expect((await handler(request)).status).toBe(401);
      expect(await barrierRows(msgLogId)).toEqual([]);
    });

    it('should answer the same verdict every time once a row exists', async () => {
      const msgLogId = `probe-${randomUUID()}`;
      const ask = () => handler(signedCheckBack(PRODUCER, SECRET, { msgLogId, messageId: ulid() }));
      expect(await ask()).toEqual({ status: 200, body: { status: 'ROLLED_BACK' } });
      expect(await ask()).toEqual({ status: 200, body: { status: 'ROLLED_BACK' } });
      expect(await barrierRows(msgLogId)).toEqual([{ state: 'ROLLED_BACK' }]);
    });

    it('should delete old barrier rows with cleanup, and keep young ones', async () => {
      const [old, young] = [`old-${randomUUID()}`, `young-${randomUUID()}`];
      for (const id of [old, young]) {
        await db.query(
          `INSERT INTO rms_msg_log (msg_log_id, state) VALUES (${p(1)}, 'COMMITTED')`,
          [id],
        );
      }
      await db.query(
        flavor === 'mariadb'
          ? 'UPDATE rms_msg_log SET created_at = created_at - INTERVAL 8 DAY WHERE msg_log_id = ?'
          : "UPDATE rms_msg_log SET created_at = created_at - INTERVAL '8 days' WHERE msg_log_id = $1",
        [old],
      );
      expect(await publisher.cleanup({ batchSize: 1 })).toBeGreaterThanOrEqual(1);
      expect(await barrierRows(old)).toEqual([]);
      expect(await barrierRows(young)).toEqual([{ state: 'COMMITTED' }]);
    });
  },
);
