import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Consumer groups and their receipts; messages indexed by (producer, topic, seq) for
 * reconciliation.
 */
export class ConsumerReceipts1796112879050 implements MigrationInterface {
  name = 'ConsumerReceipts1796112879050';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE \`consumer_groups\` (
                \`id\` varchar(64) CHARACTER SET "ascii" COLLATE "ascii_bin" NOT NULL,
                \`topics\` text NOT NULL,
                \`api_key_hash\` char(64) CHARACTER SET "ascii" COLLATE "ascii_bin" NOT NULL,
                \`enabled\` tinyint(1) NOT NULL DEFAULT '1',
                \`created_at\` datetime(3) NOT NULL,
                \`updated_at\` datetime(3) NOT NULL,
                UNIQUE INDEX \`uq_consumer_groups_api_key_hash\` (\`api_key_hash\`),
                PRIMARY KEY (\`id\`)
            ) ENGINE = InnoDB
        `);
    await queryRunner.query(`
            CREATE TABLE \`consumer_receipts\` (
                \`consumer_group_id\` varchar(64) CHARACTER SET "ascii" COLLATE "ascii_bin" NOT NULL,
                \`producer_id\` varchar(64) CHARACTER SET "ascii" COLLATE "ascii_bin" NOT NULL,
                \`topic\` varchar(127) CHARACTER SET "ascii" COLLATE "ascii_bin" NOT NULL,
                \`watermark\` bigint NOT NULL DEFAULT '0',
                \`ranges\` mediumtext NOT NULL,
                \`in_ranges\` bigint NOT NULL DEFAULT '0',
                \`updated_at\` datetime(3) NOT NULL,
                PRIMARY KEY (\`consumer_group_id\`, \`producer_id\`, \`topic\`)
            ) ENGINE = InnoDB
        `);
    await queryRunner.query(`
            CREATE INDEX \`ix_messages_producer_topic_seq\` ON \`messages\` (\`producer_id\`, \`topic\`, \`seq\`)
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            DROP INDEX \`ix_messages_producer_topic_seq\` ON \`messages\`
        `);
    await queryRunner.query(`
            DROP TABLE \`consumer_receipts\`
        `);
    await queryRunner.query(`
            DROP INDEX \`uq_consumer_groups_api_key_hash\` ON \`consumer_groups\`
        `);
    await queryRunner.query(`
            DROP TABLE \`consumer_groups\`
        `);
  }
}
