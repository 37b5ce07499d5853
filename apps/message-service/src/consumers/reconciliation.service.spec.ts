import { automock, unitConfig } from '../../../../test/support/unit';
import { AlertService } from '../alerts/alert.service';
import { ForbiddenError, ValidationFailedError } from '../common/domain-errors';
import { OperatorTransitions } from '../state/operator-transitions';
import { SequenceReads } from '../state/sequence-reads';
import { ConsumerGroup } from './consumer-group';
import { ConsumerGroupsService } from './consumer-groups.service';
import { ReceiptRepository } from './receipt.repository';
import { ReceiptsService } from './receipts.service';
import { ReconciliationService } from './reconciliation.service';

const group: ConsumerGroup = {
  id: 'points',
  topics: ['order-paid'],
  enabled: true,
  createdAt: new Date(0),
  updatedAt: new Date(0),
};

describe(ReconciliationService.name, () => {
  let sequences: jest.Mocked<SequenceReads>;
  let receipts: jest.Mocked<ReceiptRepository>;
  let alerts: jest.Mocked<AlertService>;
  let sut: ReconciliationService;
  const now = 10_000_000;

  beforeEach(() => {
    jest.spyOn(Date, 'now').mockReturnValue(now);
    const groups = automock<ConsumerGroupsService>('list', 'get');
    groups.list.mockResolvedValue([group]);
    receipts = automock<ReceiptRepository>('ofGroups');
    receipts.ofGroups.mockResolvedValue([
      {
        consumerGroupId: 'points',
        producerId: 'orders',
        topic: 'order-paid',
        watermark: 5,
        ranges: [[8, 9]],
        consumed: 7,
        floor: 2,
      },
    ]);
    sequences = automock<SequenceReads>('pairs', 'counts', 'sentInHoles');
    sequences.pairs.mockResolvedValue([{ producerId: 'orders', topic: 'order-paid', lastSeq: 10 }]);
    sequences.counts.mockResolvedValue({
      producerId: 'orders',
      topic: 'order-paid',
      sent: 10,
      maxSentSeq: 10,
      failed: 0,
    });
    alerts = automock<AlertService>('raise');
    sut = new ReconciliationService(
      groups,
      receipts,
      sequences,
      automock<OperatorTransitions>('resendMany'),
      alerts,
      unitConfig({ RECONCILE_GRACE_MS: '60000' }),
    );
  });

  afterEach(() => jest.restoreAllMocks());

  const missingSentAgo = (ms: number) =>
    sequences.sentInHoles.mockResolvedValue({
      total: 3,
      items: [{ seq: 6, messageId: 'm6', msgLogId: 'o6', sentAt: new Date(now - ms) }],
      oldestAgeMs: ms,
    });

  describe('rows', () => {
    it('should look for missing messages only in the holes of the receipts, above where the group started', async () => {
      missingSentAgo(61_000);
      const [row] = await sut.rows({});
      expect(sequences.sentInHoles).toHaveBeenCalledWith(
        { producerId: 'orders', topic: 'order-paid', lastSeq: 10 },
        [
          [6, 7],
          [10, 10],
        ],
        group.createdAt,
        60_000,
        1000,
      );
      expect(row).toMatchObject({ consumedWatermark: 5, consumed: 7, sent: 10 });
    });

    it('should not expect what was numbered before the group was registered (its floor)', async () => {
      receipts.ofGroups.mockResolvedValue([
        {
          consumerGroupId: 'points',
          producerId: 'orders',
          topic: 'order-paid',
          watermark: 0,
          ranges: [],
          consumed: 0,
          floor: 8,
        },
      ]);
      missingSentAgo(61_000);
      await sut.rows({});
      expect(sequences.sentInHoles.mock.calls[0][1]).toEqual([[9, 10]]);
    });
  });

  describe('checkUnconsumed', () => {
    it('should not alert while the oldest missing message is younger than twice the grace', async () => {
      missingSentAgo(119_000);
      expect(await sut.checkUnconsumed()).toBe(1);
      expect(alerts.raise).not.toHaveBeenCalled();
    });

    it('should alert once per oldest missing message', async () => {
      missingSentAgo(121_000);
      await sut.checkUnconsumed();
      await sut.checkUnconsumed();
      expect(alerts.raise).toHaveBeenCalledTimes(1);
      expect(alerts.raise).toHaveBeenCalledWith(
        expect.objectContaining({
          type: 'UNCONSUMED_MESSAGES',
          missing: 3,
          firstMissingSeq: 6,
          oldestMissingAgeMs: 121_000,
        }),
      );
      expect(sequences.counts).not.toHaveBeenCalled();
    });
  });
});

describe(ReceiptsService.name, () => {
  const repository = automock<ReceiptRepository>('add');
  const sut = new ReceiptsService(repository);

  it('should refuse a topic the group is not registered for, before any write', async () => {
    await expect(
      sut.report(group, { topic: 'other', producerId: 'orders', ranges: [[1, 2]] }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    expect(repository.add).not.toHaveBeenCalled();
  });

  it('should name the range that is not [from, to] with 1 ≤ from ≤ to', async () => {
    const error = await sut
      .report(group, {
        topic: 'order-paid',
        producerId: 'orders',
        ranges: [
          [1, 2],
          [4, 3],
        ],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationFailedError);
    expect((error as ValidationFailedError).details).toEqual([
      expect.objectContaining({ field: 'ranges.1' }),
    ]);
  });
});
