import { DataSource } from 'typeorm';
import { placeholders } from '../../apps/message-service/src/database/sql';
import { TestApp } from './test-app';

/**
 * Deletes the messages (and timelines) of a suite's producers. Suites share one database and
 * every instance's sweeps claim whatever is due, so a suite that leaves CONFIRMED or PENDING
 * messages behind would have a later suite deliver or check them back.
 */
export async function deleteMessagesOf(t: TestApp, producerIds: string[]): Promise<void> {
  const db = t.app.get(DataSource);
  const list = placeholders(producerIds.length);
  await db.query(
    `DELETE e FROM message_events e JOIN messages m ON m.id = e.message_id
      WHERE m.producer_id IN (${list})`,
    producerIds,
  );
  await db.query(`DELETE FROM messages WHERE producer_id IN (${list})`, producerIds);
}
