import { MqDriver, MqSendError } from '@app/mq';
import { automock, unitConfig } from '../../../../test/support/unit';
import { AlertService } from '../alerts/alert.service';
import { MetricsService } from '../metrics/metrics.service';
import { ClaimedMessage, DeliveryClaims } from '../state/delivery-claims';
import { AttemptOutcome, DeliveryCompletions } from '../state/delivery-completions';
import { DeliveryService } from './delivery.service';

const claimed = (overrides: Partial<ClaimedMessage> = {}): ClaimedMessage => ({
  id: 'M1',
  producerId: 'orders',
  msgLogId: 'order-1',
  topic: 'orders',
  tag: 'paid',
  keys: ['k'],
  properties: { region: 'eu' },
  messageGroup: null,
  body: Buffer.from('{}'),
  seq: 7,
  attempt: 1,
  waitedMs: 2,
  claimToken: 'token',
  ...overrides,
});

describe(DeliveryService.name, () => {
  let sut: DeliveryService;
  let claims: jest.Mocked<DeliveryClaims>;
  let completions: jest.Mocked<DeliveryCompletions>;
  let mq: jest.Mocked<MqDriver>;
  let alerts: jest.Mocked<AlertService>;

  beforeEach(() => {
    claims = automock<DeliveryClaims>('claimIds', 'claimDue');
    completions = automock<DeliveryCompletions>('complete');
    mq = automock<MqDriver>('send');
    alerts = automock<AlertService>('raise');
    // Applied as asked, unless a test says otherwise.
    completions.complete.mockImplementation((outcomes) =>
      Promise.resolve({
        sent: outcomes.filter((o) => o.kind === 'sent').map((o) => o.message.id),
        failed: outcomes.filter((o) => o.kind === 'failed').map((o) => o.message.id),
      }),
    );
    const config = unitConfig({
      DELIVERY_MAX_ATTEMPTS: '3',
      RETRY_BASE_MS: '10000',
      CLAIM_TIMEOUT_MS: '2000',
    });
    sut = new DeliveryService(claims, completions, mq, config, new MetricsService(), alerts);
  });

  /** Delivers one claimed message whose send ends as `send` says; the outcome recorded. */
  async function deliver(message: ClaimedMessage, send: () => Promise<{ messageId: string }>) {
    claims.claimIds.mockResolvedValue([message]);
    mq.send.mockImplementation(send);
    expect(await sut.deliverIds([message.id])).toBe(1);
    expect(completions.complete).toHaveBeenCalledTimes(1);
    const [outcomes] = completions.complete.mock.calls[0];
    expect(outcomes).toHaveLength(1);
    return outcomes[0];
  }

  describe('deliverIds', () => {
    it("should record SENT with the broker's receipt", async () => {
      const outcome = await deliver(claimed(), () => Promise.resolve({ messageId: 'mq-1' }));
      expect(outcome).toMatchObject({ kind: 'sent', mqMessageId: 'mq-1' });
      expect(mq.send).toHaveBeenCalledWith(
        expect.objectContaining({
          topic: 'orders',
          keys: ['order-1', 'M1', 'k'],
          properties: {
            region: 'eu',
            'rms-message-id': 'M1',
            'rms-producer': 'orders',
            'rms-msg-log-id': 'order-1',
            'rms-seq': '7',
          },
        }),
      );
      expect(alerts.raise).not.toHaveBeenCalled();
    });

    it('should retry a failed send with backoff while attempts remain', async () => {
      const outcome = await deliver(claimed({ attempt: 2 }), () =>
        Promise.reject(new MqSendError('broker busy', false)),
      );
      expect(outcome).toMatchObject({ kind: 'retry', error: 'broker busy' });
      const retryInMs = (outcome as Extract<AttemptOutcome, { kind: 'retry' }>).retryInMs;
      expect(retryInMs).toBeGreaterThanOrEqual(16_000);
      expect(retryInMs).toBeLessThanOrEqual(24_000);
    });

    it('should fail a message whose last attempt failed, and raise MESSAGE_FAILED', async () => {
      const outcome = await deliver(claimed({ attempt: 3 }), () =>
        Promise.reject(new MqSendError('broker busy', false)),
      );
      expect(outcome).toMatchObject({ kind: 'failed', permanent: false, error: 'broker busy' });
      expect(alerts.raise).toHaveBeenCalledWith(
        expect.objectContaining({ type: 'MESSAGE_FAILED', messageId: 'M1', attempts: 3 }),
      );
      expect(alerts.raise).toHaveBeenCalledTimes(1);
    });

    it('should also raise GROUP_BLOCKED when the failed message heads a message group', async () => {
      await deliver(claimed({ attempt: 3, messageGroup: 'order-7' }), () =>
        Promise.reject(new MqSendError('broker busy', false)),
      );
      expect(alerts.raise).toHaveBeenCalledWith({
        type: 'GROUP_BLOCKED',
        producerId: 'orders',
        topic: 'orders',
        messageGroup: 'order-7',
        messageId: 'M1',
      });
    });

    it('should fail at once on an error that retrying cannot fix', async () => {
      const outcome = await deliver(claimed({ attempt: 1 }), () =>
        Promise.reject(new MqSendError('topic not found', true, 40402)),
      );
      expect(outcome).toMatchObject({ kind: 'failed', permanent: true });
    });

    it('should treat any other error as worth retrying', async () => {
      const outcome = await deliver(claimed(), () =>
        Promise.reject(new TypeError('socket hang up')),
      );
      expect(outcome).toMatchObject({ kind: 'retry', error: 'socket hang up' });
    });

    it('should cut a send off at half the lease and retry it', async () => {
      const outcome = await deliver(claimed(), () => new Promise(() => undefined));
      expect(outcome).toMatchObject({ kind: 'retry', error: 'send timed out after 1000 ms' });
    });

    it('should raise no alert for a FAILED outcome that lost its claim', async () => {
      completions.complete.mockResolvedValue({ sent: [], failed: [] });
      await deliver(claimed(), () => Promise.reject(new MqSendError('topic not found', true)));
      expect(alerts.raise).not.toHaveBeenCalled();
    });

    it('should send nothing when nothing could be claimed', async () => {
      claims.claimIds.mockResolvedValue([]);
      expect(await sut.deliverIds(['M1'])).toBe(0);
      expect(mq.send).not.toHaveBeenCalled();
      expect(completions.complete).not.toHaveBeenCalled();
    });
  });

  describe('deliverDue', () => {
    it('should claim due messages with the lease and record all outcomes in one completion', async () => {
      claims.claimDue.mockResolvedValue({
        messages: [claimed({ id: 'A' }), claimed({ id: 'B' })],
        more: false,
      });
      mq.send
        .mockResolvedValueOnce({ messageId: 'mq-a' })
        .mockRejectedValueOnce(new MqSendError('busy', false));
      expect(await sut.deliverDue(10)).toBe(2);
      expect(claims.claimDue).toHaveBeenCalledWith(10, 2000);
      expect(completions.complete.mock.calls[0][0].map((o) => [o.message.id, o.kind])).toEqual([
        ['A', 'sent'],
        ['B', 'retry'],
      ]);
    });
  });

  describe('attempt with a driver that takes batches', () => {
    it('should send the whole batch in one call and map each result to its outcome', async () => {
      mq.sendBatch = jest
        .fn()
        .mockResolvedValue([
          { messageId: 'mq-A' },
          new MqSendError('WRONGTYPE', false),
          new MqSendError('no such topic', true),
        ]);
      await sut.attempt([
        claimed({ id: 'A' }),
        claimed({ id: 'B' }),
        claimed({ id: 'C', attempt: 1 }),
      ]);
      expect(mq.sendBatch).toHaveBeenCalledTimes(1);
      expect(mq.send).not.toHaveBeenCalled();
      const [outcomes] = completions.complete.mock.calls[0];
      expect(outcomes.map((o) => [o.message.id, o.kind])).toEqual([
        ['A', 'sent'],
        ['B', 'retry'],
        ['C', 'failed'],
      ]);
      expect(outcomes[0]).toMatchObject({ mqMessageId: 'mq-A' });
    });

    it('should retry every message of a batch that failed or timed out as a whole', async () => {
      mq.sendBatch = jest.fn().mockImplementation(() => new Promise(() => undefined));
      await sut.attempt([claimed({ id: 'A' }), claimed({ id: 'B', attempt: 3 })]);
      const [outcomes] = completions.complete.mock.calls[0];
      expect(outcomes.map((o) => [o.message.id, o.kind])).toEqual([
        ['A', 'retry'],
        ['B', 'failed'],
      ]);
      expect(outcomes[0]).toMatchObject({ error: 'send timed out after 1000 ms' });
    });
  });

  describe('attempt of messages that waited after their claim', () => {
    // CLAIM_TIMEOUT_MS 2000: a send must end within 1000 ms of its claim.
    it('should leave to the sweep a message with less than a quarter of its send time left', async () => {
      mq.send.mockResolvedValue({ messageId: 'mq' });
      await sut.attempt([
        claimed({ id: 'fresh', claimedAt: Date.now() }),
        claimed({ id: 'stale', claimedAt: Date.now() - 800 }),
      ]);
      expect(mq.send).toHaveBeenCalledTimes(1);
      const [outcomes] = completions.complete.mock.calls[0];
      expect(outcomes.map((o) => o.message.id)).toEqual(['fresh']);
    });

    it('should cut a send off when its time since the claim runs out, not a full timeout later', async () => {
      mq.send.mockReturnValue(new Promise(() => undefined));
      await sut.attempt([claimed({ claimedAt: Date.now() - 600 })]);
      const [outcomes] = completions.complete.mock.calls[0];
      expect(outcomes[0]).toMatchObject({ kind: 'retry' });
      expect((outcomes[0] as { error: string }).error).toMatch(/send timed out after (3|4)\d\d ms/);
    });

    it('should send nothing and record nothing when every message waited too long', async () => {
      await sut.attempt([claimed({ claimedAt: Date.now() - 5_000 })]);
      expect(mq.send).not.toHaveBeenCalled();
      expect(completions.complete).not.toHaveBeenCalled();
    });
  });

  it('should cut sends off at half the lease however short the lease', async () => {
    const short = new DeliveryService(
      claims,
      completions,
      mq,
      unitConfig({ CLAIM_TIMEOUT_MS: '1500' }),
      new MetricsService(),
      alerts,
    );
    mq.send.mockReturnValue(new Promise(() => undefined));
    await short.attempt([claimed()]);
    const [outcomes] = completions.complete.mock.calls[0];
    expect(outcomes[0]).toMatchObject({ kind: 'retry', error: 'send timed out after 750 ms' });
  });
});
