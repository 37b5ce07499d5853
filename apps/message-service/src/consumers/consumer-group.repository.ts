import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { WriteResult } from '../database/sql';
import { ConsumerGroup } from './consumer-group';

interface GroupRow {
  id: string;
  topics: string;
  enabled: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, topics, enabled, created_at, updated_at';

const toGroup = (r: GroupRow): ConsumerGroup => ({
  id: r.id,
  topics: JSON.parse(r.topics) as string[],
  enabled: r.enabled === 1,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Storage of consumer groups (`consumer_groups`). */
@Injectable()
export class ConsumerGroupRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async insert(id: string, topics: string[], apiKeyHash: string): Promise<void> {
    await this.db.query(
      `INSERT INTO consumer_groups (id, topics, api_key_hash, enabled, created_at, updated_at)
       VALUES (?, ?, ?, 1, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))`,
      [id, JSON.stringify(topics), apiKeyHash],
    );
  }

  async findById(id: string): Promise<ConsumerGroup | undefined> {
    const rows = await this.db.query<GroupRow[]>(
      `SELECT ${COLUMNS} FROM consumer_groups WHERE id = ?`,
      [id],
    );
    return rows[0] ? toGroup(rows[0]) : undefined;
  }

  async findByApiKeyHash(hash: string): Promise<ConsumerGroup | undefined> {
    const rows = await this.db.query<GroupRow[]>(
      `SELECT ${COLUMNS} FROM consumer_groups WHERE api_key_hash = ?`,
      [hash],
    );
    return rows[0] ? toGroup(rows[0]) : undefined;
  }

  async list(): Promise<ConsumerGroup[]> {
    const rows = await this.db.query<GroupRow[]>(
      `SELECT ${COLUMNS} FROM consumer_groups ORDER BY id`,
    );
    return rows.map(toGroup);
  }

  /** Changes what is given; false when there is no such group. */
  async update(
    id: string,
    patch: { topics?: string[]; enabled?: boolean; apiKeyHash?: string },
  ): Promise<boolean> {
    const changes: [string, unknown][] = [];
    if (patch.topics !== undefined) changes.push(['topics', JSON.stringify(patch.topics)]);
    if (patch.enabled !== undefined) changes.push(['enabled', patch.enabled ? 1 : 0]);
    if (patch.apiKeyHash !== undefined) changes.push(['api_key_hash', patch.apiKeyHash]);
    const sets = [...changes.map(([column]) => `${column} = ?`), 'updated_at = UTC_TIMESTAMP(3)'];
    const result = await this.db.query<WriteResult>(
      `UPDATE consumer_groups SET ${sets.join(', ')} WHERE id = ?`,
      [...changes.map(([, value]) => value), id],
    );
    return result.affectedRows === 1;
  }
}
