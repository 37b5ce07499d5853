import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { NewProducer, Producer, ProducerPatch, ProducerPolicy } from './producer';

interface ProducerRow {
  id: string;
  name: string;
  check_back_url: string;
  allowed_check_back_origins: string;
  signing_secret: string;
  enabled: number;
  check_back_delay_ms: number | null;
  check_back_give_up_ms: number | null;
  check_back_timeout_ms: number | null;
  check_back_concurrency: number | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, name, check_back_url, allowed_check_back_origins, signing_secret, enabled,
  check_back_delay_ms, check_back_give_up_ms, check_back_timeout_ms, check_back_concurrency,
  created_at, updated_at`;

function toProducer(row: ProducerRow): Producer {
  return {
    id: row.id,
    name: row.name,
    checkBackUrl: row.check_back_url,
    allowedCheckBackOrigins: JSON.parse(row.allowed_check_back_origins) as string[],
    signingSecret: row.signing_secret,
    enabled: row.enabled === 1,
    policy: {
      checkBackDelayMs: row.check_back_delay_ms,
      checkBackGiveUpMs: row.check_back_give_up_ms,
      checkBackTimeoutMs: row.check_back_timeout_ms,
      checkBackConcurrency: row.check_back_concurrency,
    },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Storage of producers (`producers` table). */
@Injectable()
export class ProducerRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async insert(p: NewProducer): Promise<void> {
    await this.db.query(
      `INSERT INTO producers (id, name, check_back_url, allowed_check_back_origins, api_key_hash,
         signing_secret, enabled, check_back_delay_ms, check_back_give_up_ms, check_back_timeout_ms,
         check_back_concurrency, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))`,
      [
        p.id,
        p.name,
        p.checkBackUrl,
        JSON.stringify(p.allowedCheckBackOrigins),
        p.apiKeyHash,
        p.signingSecret,
        p.policy.checkBackDelayMs,
        p.policy.checkBackGiveUpMs,
        p.policy.checkBackTimeoutMs,
        p.policy.checkBackConcurrency,
      ],
    );
  }

  async findById(id: string): Promise<Producer | undefined> {
    const rows: ProducerRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM producers WHERE id = ?`,
      [id],
    );
    return rows[0] ? toProducer(rows[0]) : undefined;
  }

  async list(): Promise<Producer[]> {
    const rows: ProducerRow[] = await this.db.query(`SELECT ${COLUMNS} FROM producers ORDER BY id`);
    return rows.map(toProducer);
  }

  /** Applies the given changes; false when there is no such producer. */
  async update(id: string, patch: ProducerPatch): Promise<boolean> {
    const sets: string[] = [];
    const params: unknown[] = [];
    const column = (name: string, value: unknown) => {
      sets.push(`${name} = ?`);
      params.push(value);
    };
    if (patch.name !== undefined) column('name', patch.name);
    if (patch.checkBackUrl !== undefined) column('check_back_url', patch.checkBackUrl);
    if (patch.allowedCheckBackOrigins !== undefined) {
      column('allowed_check_back_origins', JSON.stringify(patch.allowedCheckBackOrigins));
    }
    if (patch.enabled !== undefined) column('enabled', patch.enabled ? 1 : 0);
    if (patch.apiKeyHash !== undefined) column('api_key_hash', patch.apiKeyHash);
    if (patch.signingSecret !== undefined) column('signing_secret', patch.signingSecret);
    const policyColumns: Record<keyof ProducerPolicy, string> = {
      checkBackDelayMs: 'check_back_delay_ms',
      checkBackGiveUpMs: 'check_back_give_up_ms',
      checkBackTimeoutMs: 'check_back_timeout_ms',
      checkBackConcurrency: 'check_back_concurrency',
    };
    for (const [key, name] of Object.entries(policyColumns) as [keyof ProducerPolicy, string][]) {
      // Absent and undefined (a DTO's unset field) leave the value; null restores the default.
      const value = patch.policy?.[key];
      if (value !== undefined) column(name, value);
    }
    const result: { affectedRows: number } = await this.db.query(
      `UPDATE producers SET ${[...sets, 'updated_at = UTC_TIMESTAMP(3)'].join(', ')} WHERE id = ?`,
      [...params, id],
    );
    return result.affectedRows === 1;
  }

  async findByApiKeyHash(apiKeyHash: string): Promise<Producer | undefined> {
    const rows: ProducerRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM producers WHERE api_key_hash = ?`,
      [apiKeyHash],
    );
    return rows[0] ? toProducer(rows[0]) : undefined;
  }
}
