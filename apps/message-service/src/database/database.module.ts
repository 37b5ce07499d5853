import { DynamicModule, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { dataSourceOptions } from './data-source-options';
import { ensureDatabase, MigrationLockTimeout, runMigrations } from './migrate';

/** The MySQL connection: creates the database when missing and migrates before serving. */
@Module({})
export class DatabaseModule {
  static forRoot(config: AppConfig): DynamicModule {
    const logger = new Logger('Database');
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: async () => {
            const flavor = await ensureDatabase(config.databaseUrl);
            return {
              ...dataSourceOptions(config.databaseUrl, { flavor }),
              retryAttempts: 3,
              retryDelay: 2000,
              // Waiting for the migration lock again would only wait as long once more.
              toRetry: (error: unknown) => !(error instanceof MigrationLockTimeout),
            };
          },
          dataSourceFactory: async (options) => {
            const dataSource = await new DataSource(options!).initialize();
            try {
              const applied = await runMigrations(dataSource);
              if (applied.length > 0) logger.log(`applied migrations: ${applied.join(', ')}`);
              return dataSource;
            } catch (error) {
              await dataSource.destroy().catch(() => undefined);
              throw error;
            }
          },
        }),
      ],
    };
  }
}
