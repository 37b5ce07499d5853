import { AppConfig } from '../../apps/message-service/src/config/app-config';
import { loadConfig } from '../../apps/message-service/src/config/load-config';

/**
 * A stand-in for a repository or adapter in a unit spec: the named methods are `jest.fn()`s
 * (give them answers with `mockResolvedValue`), anything else is absent, so an unexpected call
 * fails loudly.
 */
export function automock<T extends object>(...methods: (keyof T)[]): jest.Mocked<T> {
  return Object.fromEntries(methods.map((m) => [m, jest.fn()])) as unknown as jest.Mocked<T>;
}

/** The service's configuration as `loadConfig` builds it, with these variables set. */
export function unitConfig(env: Record<string, string> = {}): AppConfig {
  return loadConfig({ ADMIN_TOKEN: 'unit-test-admin-token', ...env });
}
