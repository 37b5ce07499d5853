import { createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import {
  dataSourceOptions,
  parseDatabaseUrl,
} from '../../apps/message-service/src/database/data-source-options';
import { ensureDatabase, runMigrations } from '../../apps/message-service/src/database/migrate';
import { MetricsService } from '../../apps/message-service/src/metrics/metrics.service';
import { AfterCommit } from '../../apps/message-service/src/state/after-commit';
import { CheckBackClaims } from '../../apps/message-service/src/state/check-back-claims';
import { DeliveryClaims } from '../../apps/message-service/src/state/delivery-claims';
import { DeliveryCompletions } from '../../apps/message-service/src/state/delivery-completions';
import { MessageReads } from '../../apps/message-service/src/state/message-reads';
import { MessageStats } from '../../apps/message-service/src/state/message-stats';
import { OperatorTransitions } from '../../apps/message-service/src/state/operator-transitions';
import { ProducerTransitions } from '../../apps/message-service/src/state/producer-transitions';
import { RetentionDeletes } from '../../apps/message-service/src/state/retention-deletes';
import { TEST_DATABASE_URL } from './test-env';

/** The message state module on a database of its own, migrated like the service migrates it. */
export interface StateHarness {
  db: DataSource;
  metrics: MetricsService;
  afterCommit: AfterCommit;
  reads: MessageReads;
  stats: MessageStats;
  producer: ProducerTransitions;
  operator: OperatorTransitions;
  deliveryClaims: DeliveryClaims;
  completions: DeliveryCompletions;
  checkBackClaims: CheckBackClaims;
  retention: RetentionDeletes;
  close(): Promise<void>;
}

/**
 * A fresh database `<test database>_<suite>` (dropped first) with the real migrations, and the
 * state module's classes on it. Integration suites each get their own, so that no sweep or other
 * suite ever sees their rows.
 */
export async function startState(suite: string): Promise<StateHarness> {
  const server = new URL(TEST_DATABASE_URL);
  const base = parseDatabaseUrl(TEST_DATABASE_URL);
  const database = `${base.database}_${suite.replace(/\W/g, '_')}`;
  const connection = await createConnection({
    host: base.host,
    port: base.port,
    user: base.username,
    password: base.password,
  });
  await connection.query(`DROP DATABASE IF EXISTS \`${database}\``);
  await connection.end();
  server.pathname = `/${database}`;
  const url = server.toString();
  const flavor = await ensureDatabase(url);
  const db = await new DataSource(dataSourceOptions(url, { flavor, poolSize: 10 })).initialize();
  await runMigrations(db);
  const metrics = new MetricsService();
  const afterCommit = new AfterCommit(metrics);
  return {
    db,
    metrics,
    afterCommit,
    reads: new MessageReads(db),
    stats: new MessageStats(db),
    producer: new ProducerTransitions(db, afterCommit),
    operator: new OperatorTransitions(db, afterCommit),
    deliveryClaims: new DeliveryClaims(db),
    completions: new DeliveryCompletions(db, afterCommit),
    checkBackClaims: new CheckBackClaims(db, afterCommit),
    retention: new RetentionDeletes(db),
    close: () => db.destroy(),
  };
}
