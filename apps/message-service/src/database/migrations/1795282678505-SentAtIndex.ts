import { MigrationInterface, QueryRunner } from 'typeorm';

export class SentAtIndex1795282678505 implements MigrationInterface {
  name = 'SentAtIndex1795282678505';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE INDEX \`ix_messages_sent_at\` ON \`messages\` (\`sent_at\`)
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            DROP INDEX \`ix_messages_sent_at\` ON \`messages\`
        `);
  }
}
