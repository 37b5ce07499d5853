import { automock, unitConfig } from '../../../../test/support/unit';
import { RetentionDeletes } from '../state/retention-deletes';
import { RetentionService } from './retention.service';

describe(RetentionService.name, () => {
  let sut: RetentionService;
  let deletes: jest.Mocked<RetentionDeletes>;

  beforeEach(() => {
    deletes = automock<RetentionDeletes>('deleteFinished');
    sut = new RetentionService(deletes, unitConfig());
  });

  it('should delete batch after batch until one comes back short', async () => {
    deletes.deleteFinished.mockResolvedValueOnce(500).mockResolvedValueOnce(500);
    deletes.deleteFinished.mockResolvedValue(12);
    expect(await sut.purge()).toBe(1012);
    expect(deletes.deleteFinished).toHaveBeenCalledTimes(3);
  });

  it('should stop after the batch in hand once the application stops', async () => {
    let batches = 0;
    deletes.deleteFinished.mockImplementation(() => {
      // The stop begins while the second batch is being deleted.
      if (++batches === 2) sut.onModuleDestroy();
      return Promise.resolve(500);
    });
    expect(await sut.purge()).toBe(1000);
    expect(deletes.deleteFinished).toHaveBeenCalledTimes(2);
  });
});
