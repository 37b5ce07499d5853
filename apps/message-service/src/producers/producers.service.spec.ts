import { automock } from '../../../../test/support/unit';
import { UnauthorizedError } from '../common/domain-errors';
import { generateApiKey, hashApiKey } from '../common/credentials';
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
    const good = generateApiKey();
    const bad = generateApiKey();

    it('should look a known key up once per 5 s', async () => {
      repository.findByApiKeyHash.mockResolvedValue(producer());
      await sut.authenticate(good);
      await sut.authenticate(good);
      expect(repository.findByApiKeyHash).toHaveBeenCalledTimes(1);
      expect(repository.findByApiKeyHash).toHaveBeenCalledWith(hashApiKey(good));
      now += 5_000;
      await sut.authenticate(good);
      expect(repository.findByApiKeyHash).toHaveBeenCalledTimes(2);
    });

    it('should remember an unknown key as unknown for 5 s: 100 requests at once reach MySQL once', async () => {
      repository.findByApiKeyHash.mockImplementation(
        () => new Promise((r) => setTimeout(() => r(undefined), 20)),
      );
      const results = await Promise.allSettled(
        Array.from({ length: 100 }, () => sut.authenticate(bad)),
      );
      expect(results.every((r) => r.status === 'rejected')).toBe(true);
      expect((results[0] as PromiseRejectedResult).reason).toBeInstanceOf(UnauthorizedError);
      expect(repository.findByApiKeyHash).toHaveBeenCalledTimes(1);
      await expect(sut.authenticate(bad)).rejects.toThrow('Invalid API key');
      expect(repository.findByApiKeyHash).toHaveBeenCalledTimes(1);
      now += 5_000;
      await expect(sut.authenticate(bad)).rejects.toThrow('Invalid API key');
      expect(repository.findByApiKeyHash).toHaveBeenCalledTimes(2);
    });

    it('should refuse what cannot be a key without asking MySQL', async () => {
      for (const key of ['rms_short', 'x'.repeat(47), `${good}x`, 'Bearer', '']) {
        await expect(sut.authenticate(key)).rejects.toBeInstanceOf(UnauthorizedError);
      }
      expect(repository.findByApiKeyHash).not.toHaveBeenCalled();
    });

    it('should keep known keys when a flood of distinct bad keys fills the refused cache', async () => {
      repository.findByApiKeyHash.mockImplementation((hash: string) =>
        Promise.resolve(hash === hashApiKey(good) ? producer() : undefined),
      );
      await sut.authenticate(good);
      for (let i = 0; i < 10_050; i++)
        await sut.authenticate(generateApiKey()).catch(() => undefined);
      repository.findByApiKeyHash.mockClear();
      await sut.authenticate(good);
      expect(repository.findByApiKeyHash).not.toHaveBeenCalled();
    });

    it('should refuse a disabled producer, and forget it when producers change', async () => {
      repository.findByApiKeyHash.mockResolvedValueOnce(producer(false));
      await expect(sut.authenticate(good)).rejects.toThrow(/disabled/);
      repository.update.mockResolvedValue(true);
      repository.findById.mockResolvedValue(producer());
      await sut.update('orders', { enabled: true });
      repository.findByApiKeyHash.mockResolvedValueOnce(producer());
      await expect(sut.authenticate(good)).resolves.toMatchObject({ id: 'orders' });
    });
  });
});
