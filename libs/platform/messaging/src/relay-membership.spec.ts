import { OUTBOX_SHARDS } from './messaging-tables';
import { shardsOf } from './relay-membership';

describe('shardsOf (how live relays share the outbox shards)', () => {
  const all = Array.from({ length: OUTBOX_SHARDS }, (_, shard) => shard);

  it('gives a relay alone every shard', () => {
    expect(shardsOf('b', [])).toEqual(all);
    expect(shardsOf('b', ['b'])).toEqual(all);
  });

  it.each([2, 3, 5])('deals the shards among %i relays: each shard to exactly one, shares differing by one at most', (count) => {
    const relays = Array.from({ length: count }, (_, index) => `relay-${index}`);
    const shares = relays.map((relay) => shardsOf(relay, relays));
    expect(shares.flat().sort((a, b) => a - b)).toEqual(all);
    const sizes = shares.map((share) => share.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  });

  it('counts a relay that has not yet seen its own first heartbeat', () => {
    expect(shardsOf('a', ['b'])).toEqual(all.filter((shard) => shard % 2 === 0));
    expect(shardsOf('b', ['a', 'b'])).toEqual(all.filter((shard) => shard % 2 === 1));
  });

  it('gives every relay the same answer whatever order the members were read in', () => {
    expect(shardsOf('c', ['c', 'a', 'b'])).toEqual(shardsOf('c', ['a', 'b', 'c']));
  });
});
