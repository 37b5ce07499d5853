import { automock } from '../../../../test/support/unit';
import { UnauthorizedError } from '../common/domain-errors';
import { hashApiKey } from './credentials';
import { Producer } from './producer';
import { ProducerRepository } from './producer.repository';
import { ProducersService } from './producers.service';

const producer = (enabled = true): Producer =>
  ({ id: 'orders', enabled, policy: {}, allowedCheckBackOrigins: [] }) as unknown as Producer;

describe(ProducersService.name, () => {
  let repository: jest.Mocked<ProducerRepository>;
  let sut: ProducersService;
  let now: number;

  beforeEach(() => {
    now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    repository = automock<ProducerRepository>('findByApiKeyHash', 'update', 'findById');
    sut = new ProducersService(repository);
  });

  afterEach(() => jest.restoreAllMocks());

  describe('authenticate', () => {
    it('should look a known key up once per 5 s', async () => {
      repository.findByApiKeyHash.mockResolvedValue(producer());
      await sut.authenticate('rms_good');
      await sut.authenticate('rms_good');
      expect(repository.findByApiKeyHash).toHaveBeenCalledTimes(1);
      expect(repository.findByApiKeyHash).toHaveBeenCalledWith(hashApiKey('rms_good'));
      now += 5_000;
      await sut.authenticate('rms_good');
      expect(repository.findByApiKeyHash).toHaveBeenCalledTimes(2);
    });

    it('should remember an unknown key as unknown for 5 s: a flood of it reaches MySQL once', async () => {
      repository.findByApiKeyHash.mockResolvedValue(undefined);
      const results = await Promise.allSettled(
        Array.from({ length: 100 }, async () => {
          await new Promise((r) => setImmediate(r));
          return sut.authenticate('rms_bad');
        }),
      );
      expect(results.every((r) => r.status === 'rejected')).toBe(true);
      expect((results[0] as PromiseRejectedResult).reason).toBeInstanceOf(UnauthorizedError);
      expect(repository.findByApiKeyHash.mock.calls.length).toBeLessThanOrEqual(1);
      now += 5_000;
      await expect(sut.authenticate('rms_bad')).rejects.toThrow('Invalid API key');
      expect(repository.findByApiKeyHash).toHaveBeenCalledTimes(2);
    });

    it('should refuse a disabled producer, and forget it when producers change', async () => {
      repository.findByApiKeyHash.mockResolvedValueOnce(producer(false));
      await expect(sut.authenticate('rms_key')).rejects.toThrow(/disabled/);
      repository.update.mockResolvedValue(true);
      repository.findById.mockResolvedValue(producer());
      await sut.update('orders', { enabled: true });
      repository.findByApiKeyHash.mockResolvedValueOnce(producer());
      await expect(sut.authenticate('rms_key')).resolves.toMatchObject({ id: 'orders' });
    });
  });
});
