import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/load-config';
import { dataSourceOptions } from '../database/data-source-options';
import { ensureDatabase, runMigrations } from '../database/migrate';

/** `node dist/.../cli/migrate.js`: create the database when missing and apply migrations. */
async function main(): Promise<void> {
  const { databaseUrl } = loadConfig();
  const flavor = await ensureDatabase(databaseUrl);
  const dataSource = await new DataSource(
    dataSourceOptions(databaseUrl, { poolSize: 2, flavor }),
  ).initialize();
  try {
    const applied = await runMigrations(dataSource);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
