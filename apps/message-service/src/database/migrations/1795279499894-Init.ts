import { MigrationInterface, QueryRunner } from 'typeorm';

export class Init1795279499894 implements MigrationInterface {
  name = 'Init1795279499894';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE \`message_events\` (
                \`id\` bigint NOT NULL AUTO_INCREMENT,
                \`message_id\` char(26) CHARACTER SET "ascii" COLLATE "ascii_bin" NOT NULL,
                \`type\` varchar(32) CHARACTER SET "ascii" COLLATE "ascii_bin" NOT NULL,
                \`at\` datetime(3) NOT NULL,
                \`detail\` text NULL,
                INDEX \`ix_message_events_message_id\` (\`message_id\`, \`id\`),
                PRIMARY KEY (\`id\`)
            ) ENGINE = InnoDB
        `);
    await queryRunner.query(`
            CREATE TABLE \`messages\` (
                \`id\` char(26) CHARACTER SET "ascii" COLLATE "ascii_bin" NOT NULL,
                \`producer_id\` varchar(64) CHARACTER SET "ascii" COLLATE "ascii_bin" NOT NULL,
                \`msg_log_id\` varchar(128) COLLATE "utf8mb4_bin" NOT NULL,
                \`topic\` varchar(127) CHARACTER SET "ascii" COLLATE "ascii_bin" NOT NULL,
                \`tag\` varchar(128) NULL,
                \`keys\` text NULL,
                \`properties\` text NULL,
                \`message_group\` varchar(128) NULL,
                \`body\` mediumblob NOT NULL,
                \`content_hash\` char(64) CHARACTER SET "ascii" COLLATE "ascii_bin" NOT NULL,
                \`msg_log_url\` varchar(2048) NULL,
                \`status\` tinyint NOT NULL,
                \`fail_msg\` varchar(1024) NULL,
                \`check_back_count\` int NOT NULL DEFAULT '0',
                \`delivery_attempts\` int NOT NULL DEFAULT '0',
                \`next_attempt_at\` datetime(3) NULL,
                \`deliver_at\` datetime(3) NULL,
                \`mq_message_id\` varchar(128) NULL,
                \`seq\` bigint NULL,
                \`confirmed_at\` datetime(3) NULL,
                \`sent_at\` datetime(3) NULL,
                \`created_at\` datetime(3) NOT NULL,
                \`updated_at\` datetime(3) NOT NULL,
                INDEX \`ix_messages_created_at\` (\`created_at\`),
                INDEX \`ix_messages_status_next_attempt\` (\`status\`, \`next_attempt_at\`),
                UNIQUE INDEX \`uq_messages_producer_msg_log_id\` (\`producer_id\`, \`msg_log_id\`),
                PRIMARY KEY (\`id\`)
            ) ENGINE = InnoDB
        `);
    await queryRunner.query(`
            CREATE TABLE \`producers\` (
                \`id\` varchar(64) CHARACTER SET "ascii" COLLATE "ascii_bin" NOT NULL,
                \`name\` varchar(255) NOT NULL,
                \`check_back_url\` varchar(2048) NOT NULL,
                \`allowed_check_back_origins\` text NOT NULL,
                \`api_key_hash\` char(64) CHARACTER SET "ascii" COLLATE "ascii_bin" NOT NULL,
                \`signing_secret\` varchar(128) NOT NULL,
                \`enabled\` tinyint(1) NOT NULL DEFAULT '1',
                \`check_back_delay_ms\` int NULL,
                \`check_back_give_up_ms\` int NULL,
                \`check_back_timeout_ms\` int NULL,
                \`check_back_concurrency\` int NULL,
                \`created_at\` datetime(3) NOT NULL,
                \`updated_at\` datetime(3) NOT NULL,
                UNIQUE INDEX \`uq_producers_api_key_hash\` (\`api_key_hash\`),
                PRIMARY KEY (\`id\`)
            ) ENGINE = InnoDB
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            DROP INDEX \`uq_producers_api_key_hash\` ON \`producers\`
        `);
    await queryRunner.query(`
            DROP TABLE \`producers\`
        `);
    await queryRunner.query(`
            DROP INDEX \`uq_messages_producer_msg_log_id\` ON \`messages\`
        `);
    await queryRunner.query(`
            DROP INDEX \`ix_messages_status_next_attempt\` ON \`messages\`
        `);
    await queryRunner.query(`
            DROP INDEX \`ix_messages_created_at\` ON \`messages\`
        `);
    await queryRunner.query(`
            DROP TABLE \`messages\`
        `);
    await queryRunner.query(`
            DROP INDEX \`ix_message_events_message_id\` ON \`message_events\`
        `);
    await queryRunner.query(`
            DROP TABLE \`message_events\`
        `);
  }
}
