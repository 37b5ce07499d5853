import { MigrationInterface, QueryRunner } from 'typeorm';

/** Claims are fenced: each stamps a token that its outcome must still find. */
export class ClaimToken1795400000000 implements MigrationInterface {
  name = 'ClaimToken1795400000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE \`messages\`
            ADD \`claim_token\` char(32) CHARACTER SET "ascii" COLLATE "ascii_bin" NULL
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE \`messages\` DROP COLUMN \`claim_token\`
        `);
  }
}
