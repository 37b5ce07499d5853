import { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-group FIFO: the earlier messages of a group are found by this index. */
export class GroupOrder1796114918018 implements MigrationInterface {
  name = 'GroupOrder1796114918018';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE INDEX \`ix_messages_group_order\` ON \`messages\` (
                \`producer_id\`,
                \`topic\`,
                \`message_group\`,
                \`status\`,
                \`confirmed_at\`
            )
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            DROP INDEX \`ix_messages_group_order\` ON \`messages\`
        `);
  }
}
