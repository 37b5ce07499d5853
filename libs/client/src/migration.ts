import type { MigrationInterface, QueryRunner } from 'typeorm';
import { BarrierTable, DEFAULT_BARRIER_TABLE } from './barrier';

/**
 * A TypeORM migration that creates the barrier table, for teams that manage their schema with
 * migrations: `migrations: [createBarrierMigration()]` (or a table name of your own).
 */
export function createBarrierMigration(
  table = DEFAULT_BARRIER_TABLE,
): new () => MigrationInterface {
  return class RmsBarrier1795500000000 implements MigrationInterface {
    name = 'RmsBarrier1795500000000';

    async up(queryRunner: QueryRunner): Promise<void> {
      const barrier = new BarrierTable(queryRunner.connection, table);
      for (const sql of barrier.createStatements()) await queryRunner.query(sql);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(new BarrierTable(queryRunner.connection, table).dropSql());
    }
  };
}
