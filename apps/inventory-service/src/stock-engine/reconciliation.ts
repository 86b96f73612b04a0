import { ReservationState } from '../stock-store/reservation-status';
import { PostgresReconcileView } from '../stock-store/stock-store';
import { RedisStockView, SettleTarget } from './redis-stock';

interface HoldCorrection {
  orderId: string;
  action: SettleTarget;
  reason: 'missed-commit' | 'missed-release' | 'orphan';
}

type Correction = Omit<HoldCorrection, 'orderId'>;

/** A Redis hold follows its order's ledger row: an open row keeps it, a settled row settles it. */
const HOLD_FOLLOWS_LEDGER: Record<ReservationState, Correction | null> = {
  RESERVED: null,
  COMMITTED: { action: 'commit', reason: 'missed-commit' },
  RELEASED: { action: 'release', reason: 'missed-release' },
};

/** A hold with no ledger row past the grace period: its transaction never committed. */
const ORPHAN: Correction = { action: 'undo', reason: 'orphan' };

interface DriftFinding {
  sku: string;
  /** Redis available minus what it should be (positive: Redis would admit too much). */
  drift: number;
  redisAvailable: number | null;
  expected: number;
  /** Version of the sku in Redis when observed ('' when missing). */
  version: string;
  /** Seen with the same version and drift on the previous run: not an in-flight transient. */
  confirmed: boolean;
}

interface ReconciliationPlan {
  holds: HoldCorrection[];
  drift: DriftFinding[];
  /** What to remember for the next run's confirmation. */
  observed: Map<string, string>;
}

/**
 * Compares Redis with Postgres (the truth). Pure: the reconciler reads both views, this
 * decides, the reconciler acts.
 *
 * - A Redis hold whose Postgres reservation is COMMITTED/RELEASED missed its settle: settle it.
 * - A Redis hold with no Postgres reservation older than `graceMs` is an orphan (its
 *   transaction never committed and was not retried): give it back.
 * - A young hold without a Postgres row is in flight: Redis already counts it, Postgres not
 *   yet, so expected Redis available = Postgres available - in-flight holds.
 * - Drift is healed only when it is confirmed (same version, same drift as last run) and no
 *   hold correction touched the sku in this run: a transient between the two reads never heals.
 */
export function planReconciliation(
  redis: RedisStockView,
  postgres: PostgresReconcileView,
  now: number,
  graceMs: number,
  previous: Map<string, string>,
): ReconciliationPlan {
  const holds: HoldCorrection[] = [];
  const touched = new Set<string>();
  for (const hold of redis.holds) {
    const correction = correctionOf(hold, postgres.reservationState.get(hold.orderId), now, graceMs);
    if (correction) {
      holds.push({ orderId: hold.orderId, ...correction });
      for (const item of hold.items) touched.add(item.sku);
    }
  }

  const drift: DriftFinding[] = [];
  const observed = new Map<string, string>();
  const expectedAvailable = availableNetOfInFlight(postgres, inFlightUnits(redis.holds, postgres, now, graceMs));
  for (const [sku, expected] of expectedAvailable) {
    const cached = redis.stock.get(sku);
    const redisAvailable = cached ? cached.available : null;
    const finding = redisAvailable === null ? -expected : redisAvailable - expected;
    if (finding === 0 && redisAvailable !== null) continue;
    const version = cached?.version ?? '';
    const key = `${version}:${finding}`;
    observed.set(sku, key);
    drift.push({ sku, drift: finding, redisAvailable, expected, version, confirmed: !touched.has(sku) && previous.get(sku) === key });
  }
  return { holds, drift, observed };
}

function correctionOf(hold: { at: number }, ledgerState: ReservationState | undefined, now: number, graceMs: number): Correction | null {
  if (ledgerState !== undefined) return HOLD_FOLLOWS_LEDGER[ledgerState];
  return isInFlight(hold, ledgerState, now, graceMs) ? null : ORPHAN;
}

/**
 * A Redis hold without a Postgres ledger row is in flight while it is young: its
 * transaction has not committed yet (or will be retried). Older, it is an orphan.
 */
function isInFlight(hold: { at: number }, ledgerState: ReservationState | undefined, now: number, graceMs: number): boolean {
  return ledgerState === undefined && now - hold.at <= graceMs;
}

/** Units per sku that Redis holds for in-flight orders and Postgres does not count yet. */
export function inFlightUnits(holds: RedisStockView['holds'], postgres: PostgresReconcileView, now: number, graceMs: number): Map<string, number> {
  const units = new Map<string, number>();
  for (const hold of holds) {
    if (!isInFlight(hold, postgres.reservationState.get(hold.orderId), now, graceMs)) continue;
    for (const item of hold.items) units.set(item.sku, (units.get(item.sku) ?? 0) + item.quantity);
  }
  return units;
}

/** What Postgres has left for new orders once the in-flight holds commit. */
export function availableNetOfInFlight(postgres: PostgresReconcileView, inFlight: Map<string, number>): Map<string, number> {
  return new Map([...postgres.available].map(([sku, available]) => [sku, available - (inFlight.get(sku) ?? 0)]));
}
