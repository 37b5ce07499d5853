import { MessageStatus } from '@app/contracts';
import { aNewMessage } from '../factories/new-message.factory';
import { startState, StateHarness } from '../support/state-db';

/**
 * A confirm's instant against the real MariaDB: always after the prepare's, so that the timeline
 * can tell a message confirmed by its prepare (`confirmed_at` = `created_at`) from one confirmed
 * by a call of its own, even when that call came in the same millisecond.
 */
describe('The instant of a confirm (integration)', () => {
  let h: StateHarness;

  beforeAll(async () => {
    h = await startState('confirm_time');
  });

  afterAll(() => h.close());

  it('should confirm after the instant of the prepare, even in the same millisecond', async () => {
    const m = aNewMessage({ producerId: 'p', topic: 't', status: MessageStatus.PENDING });
    await h.producer.prepare([m]);
    // As if the confirm came in the prepare's millisecond (or the database clock went back).
    await h.db.query(
      'UPDATE messages SET created_at = UTC_TIMESTAMP(3) + INTERVAL 1 SECOND WHERE id = ?',
      [m.id],
    );
    await h.producer.confirm([{ id: m.id, producerId: 'p' }]);
    const row = (await h.reads.findById(m.id))!;
    expect(row.confirmedAt!.getTime()).toBeGreaterThan(row.createdAt.getTime());
    const [confirmed] = (await h.reads.timeline(m.id)).filter((e) => e.type === 'CONFIRMED');
    expect(confirmed.detail).not.toHaveProperty('via');
  });
});
