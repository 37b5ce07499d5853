import { DataSource } from 'typeorm';

/** The server's `max_allowed_packet`: the most one statement (one trip) may carry, in bytes. */
export async function readMaxAllowedPacket(db: DataSource): Promise<number> {
  const rows = await db.query<{ n: number | string }[]>('SELECT @@max_allowed_packet AS n');
  return Number(rows[0].n);
}

/** What one statement may use of the packet: half of it, leaving room for the rest of a trip. */
export const statementBudget = (maxAllowedPacket: number): number =>
  Math.max(64 * 1024, Math.floor(maxAllowedPacket / 2) - 64 * 1024);
