import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/load-config';
import { dataSourceOptions } from './data-source-options';

/**
 * Used by the TypeORM CLI (`npm run migration:generate` / `migration:check`) only. Name the
 * server's flavour in the URL scheme (`mariadb://…` for MariaDB) so that TypeORM compares
 * column definitions correctly.
 */
export default new DataSource(dataSourceOptions(loadConfig().databaseUrl, { poolSize: 2 }));
