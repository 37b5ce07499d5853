import { MigrationInterface, QueryRunner } from 'typeorm';

/** Where a consumer group starts on each (producer, topic): what came before is not expected of it. */
export class ReceiptFloor1796115461605 implements MigrationInterface {
  name = 'ReceiptFloor1796115461605';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE \`consumer_receipts\`
            ADD \`floor_seq\` bigint NOT NULL DEFAULT '0'
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE \`consumer_receipts\` DROP COLUMN \`floor_seq\`
        `);
  }
}
