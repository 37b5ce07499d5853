import { MessageStatus } from '@app/contracts';
import { aNewMessage } from '../factories/new-message.factory';
import { startState, StateHarness } from '../support/state-db';

describe('Message stats (integration)', () => {
  let h: StateHarness;

  beforeAll(async () => {
    h = await startState('message_stats');
  });

  afterAll(() => h.close());

  it('should age CONFIRMED messages from when they became due, and leave out those not due yet', async () => {
    const hour = 3_600_000;
    await h.producer.prepare([
      aNewMessage({ deliverAt: new Date(Date.now() + hour) }),
      aNewMessage({ status: MessageStatus.PENDING }),
    ]);
    let backlog = await h.stats.backlog();
    expect(backlog.byStatus[MessageStatus.CONFIRMED]).toBe(1);
    expect(backlog.oldestConfirmedAgeMs).toBeNull();
    expect(backlog.oldestPendingAgeMs).toBeGreaterThanOrEqual(0);

    const [due] = await h.producer.prepare([aNewMessage()]);
    await h.db.query(
      'UPDATE messages SET confirmed_at = confirmed_at - INTERVAL 10 MINUTE WHERE id = ?',
      [due.id],
    );
    backlog = await h.stats.backlog();
    expect(backlog.oldestConfirmedAgeMs).toBeGreaterThanOrEqual(600_000);
    expect(backlog.oldestConfirmedAgeMs).toBeLessThan(660_000);
  });
});
