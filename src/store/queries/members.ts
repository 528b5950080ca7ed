import type { Queryable } from "../driver";
import { addressKey } from "./rows";

export interface StoredMember {
  address: string;
  status: "applied" | "admitted" | "suspended" | "exited";
  industry: number;
  segments: bigint;
  uri: string;
  contentHash: string;
  signer: string;
  statusReason: string | null;
  appliedBlock: bigint;
  updatedBlock: bigint;
}

const SELECT = `SELECT address, status, industry, segments, uri, content_hash, signer, status_reason,
  applied_block, updated_block FROM members`;

function toMember(r: Record<string, unknown>): StoredMember {
  return {
    address: r.address as string,
    status: r.status as StoredMember["status"],
    industry: Number(r.industry),
    segments: r.segments as bigint,
    uri: r.uri as string,
    contentHash: r.content_hash as string,
    signer: r.signer as string,
    statusReason: r.status_reason as string | null,
    appliedBlock: r.applied_block as bigint,
    updatedBlock: r.updated_block as bigint,
  };
}

/** Members as indexed, optionally only those with `status`, by address. */
export async function listMembers(
  db: Queryable,
  filter: { status?: StoredMember["status"] } = {},
): Promise<StoredMember[]> {
  const rows =
    filter.status === undefined
      ? await db.query(`${SELECT} ORDER BY address`)
      : await db.query(`${SELECT} WHERE status = $1 ORDER BY address`, [filter.status]);
  return rows.map(toMember);
}

export async function getStoredMember(db: Queryable, address: string): Promise<StoredMember | undefined> {
  const [row] = await db.query(`${SELECT} WHERE address = $1`, [addressKey(address)]);
  return row && toMember(row);
}
