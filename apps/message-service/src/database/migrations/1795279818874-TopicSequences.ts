import { MigrationInterface, QueryRunner } from 'typeorm';

export class TopicSequences1795279818874 implements MigrationInterface {
  name = 'TopicSequences1795279818874';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE \`topic_sequences\` (
                \`producer_id\` varchar(64) CHARACTER SET "ascii" COLLATE "ascii_bin" NOT NULL,
                \`topic\` varchar(127) CHARACTER SET "ascii" COLLATE "ascii_bin" NOT NULL,
                \`next_seq\` bigint NOT NULL,
                PRIMARY KEY (\`producer_id\`, \`topic\`)
            ) ENGINE = InnoDB
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            DROP TABLE \`topic_sequences\`
        `);
  }
}
