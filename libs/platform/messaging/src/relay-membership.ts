import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { queryRows } from '@orders/platform-database';
import { OUTBOX_SHARDS } from './messaging-tables';

/** How often a relay says it is alive and re-reads who else is. */
const HEARTBEAT_MS = 1_000;
/** A relay silent this long is gone (crashed, cut off): the others share its shards. */
const EXPIRY_SECONDS = 5;

/**
 * Which outbox shards this relay publishes. The live relays of a service (one heartbeat row
 * each in `outbox_relays`) deal the shards round-robin in the order of their ids: one relay
 * alone publishes all of them, two get half each, and the shards of a relay that stopped (its
 * row deleted) or died (its row expired) pass to the others without anyone acting. Two relays'
 * views can disagree for a moment (one joining, one expiring); that costs balance, never order:
 * a relay publishes a shard only while it holds that shard's advisory lock.
 */
export class RelayMembership {
  readonly relayId = randomUUID();
  private shards: number[] = [];
  private beatAt = 0;

  constructor(private readonly dataSource: DataSource) {}

  /** The shards this relay should publish now; beats and re-reads the members once per heartbeat. */
  async ownShards(): Promise<number[]> {
    if (Date.now() - this.beatAt < HEARTBEAT_MS) return this.shards;
    // One statement: beat, forget the expired, read the live. The SELECT sees the table as it was
    // before the statement (so possibly without this relay's first beat: shardsOf adds it).
    const rows = await queryRows<{ relay_id: string }>(
      this.dataSource,
      `WITH beat AS (
         INSERT INTO outbox_relays (relay_id) VALUES ($1) ON CONFLICT (relay_id) DO UPDATE SET heartbeat_at = now()
       ), expired AS (
         DELETE FROM outbox_relays WHERE heartbeat_at < now() - make_interval(secs => $2)
       )
       SELECT relay_id FROM outbox_relays WHERE heartbeat_at >= now() - make_interval(secs => $2)`,
      [this.relayId, EXPIRY_SECONDS],
    );
    this.shards = shardsOf(
      this.relayId,
      rows.map((row) => row.relay_id),
    );
    this.beatAt = Date.now();
    return this.shards;
  }

  /** The shards as of the last heartbeat (none before the first). */
  current(): readonly number[] {
    return this.shards;
  }

  /** Leaves on a graceful stop: the others take this relay's shards at their next heartbeat. */
  async leave(): Promise<void> {
    this.shards = [];
    await this.dataSource.query('DELETE FROM outbox_relays WHERE relay_id = $1', [this.relayId]);
  }
}

/** Relay number i of n live relays (sorted by id) gets shards i, i + n, i + 2n, ... */
export function shardsOf(relayId: string, liveRelays: readonly string[]): number[] {
  const members = [...new Set([...liveRelays, relayId])].sort();
  const place = members.indexOf(relayId);
  return Array.from({ length: OUTBOX_SHARDS }, (_, shard) => shard).filter((shard) => shard % members.length === place);
}
