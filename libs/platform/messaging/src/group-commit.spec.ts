import { GroupCommitOutcome, GroupCommitQueue } from './group-commit';

/** A unit as the queue sees it: a name, a message count, and whether its lane is still live. */
interface TestUnit {
  name: string;
  size: number;
  live: boolean;
}

/** A queue whose transactions finish when the test says so, recording what each took. */
function harness(maxInFlight: number, maxMessages = 10) {
  const transactions: Array<{ names: string[]; finish: (error?: Error) => void }> = [];
  let running = 0;
  let mostRunning = 0;
  const queue = new GroupCommitQueue<TestUnit>(
    { maxInFlight, maxMessages },
    {
      commit: (units) =>
        new Promise<void>((resolve, reject) => {
          running++;
          mostRunning = Math.max(mostRunning, running);
          transactions.push({
            names: units.map((unit) => unit.name),
            finish: (error) => {
              running--;
              if (error) reject(error);
              else resolve();
            },
          });
        }),
      size: (unit) => unit.size,
      isLive: (unit) => unit.live,
    },
  );
  const outcomes = new Map<string, GroupCommitOutcome>();
  const submit = (name: string, size = 1, live = true) => {
    const unit = { name, size, live };
    void queue.submit(unit).then((outcome) => outcomes.set(name, outcome));
    return unit;
  };
  const taken = () => transactions.map((transaction) => transaction.names);
  return { queue, transactions, outcomes, submit, taken, mostRunning: () => mostRunning };
}

/** Lets the queue's promise callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommitQueue', () => {
  it('starts a unit when idle without waiting for another one (at the end of the event-loop turn)', async () => {
    const { submit, taken } = harness(2);
    submit('a');
    await settle();
    expect(taken()).toEqual([['a']]);
  });

  it('gathers the units submitted in the same turn (the lanes of one fetch) into one transaction', async () => {
    const { submit, taken } = harness(2);
    submit('a');
    submit('b');
    submit('c');
    await settle();
    expect(taken()).toEqual([['a', 'b', 'c']]);
  });

  it('queues what arrives while the bound is reached, then takes all of it in arrival order in one transaction', async () => {
    const { submit, taken, transactions, outcomes } = harness(1);
    submit('a');
    await settle();
    submit('b');
    submit('c');
    await settle();
    submit('d');
    await settle();
    expect(taken()).toEqual([['a']]);
    transactions[0].finish();
    await settle();
    expect(taken()).toEqual([['a'], ['b', 'c', 'd']]);
    expect(outcomes.get('a')).toEqual({ kind: 'committed' });
    expect(outcomes.has('b')).toBe(false); // each unit resolves with its own transaction
    transactions[1].finish();
    await settle();
    expect([...outcomes.values()]).toEqual(Array.from({ length: 4 }, () => ({ kind: 'committed' })));
  });

  it('never runs more than maxInFlight transactions at once', async () => {
    const { submit, taken, transactions, mostRunning } = harness(2);
    submit('a');
    await settle();
    submit('b');
    await settle();
    submit('c');
    await settle();
    submit('d');
    await settle();
    expect(taken()).toEqual([['a'], ['b']]);
    transactions[1].finish();
    await settle();
    expect(taken()).toEqual([['a'], ['b'], ['c', 'd']]);
    expect(mostRunning()).toBe(2);
  });

  it('caps a transaction at maxMessages in all, and a unit larger than the cap still goes, alone', async () => {
    const { submit, taken, transactions } = harness(1, 10);
    submit('first');
    await settle();
    submit('four', 4);
    submit('five', 5);
    submit('two', 2);
    submit('twelve', 12);
    transactions[0].finish();
    await settle();
    expect(taken()).toEqual([['first'], ['four', 'five']]);
    transactions[1].finish();
    await settle();
    expect(taken()).toEqual([['first'], ['four', 'five'], ['two']]);
    transactions[2].finish();
    await settle();
    expect(taken()[3]).toEqual(['twelve']);
  });

  it('on a failed transaction, tells every unit in it (alone: false) so each falls back on its own, and carries on', async () => {
    const { submit, transactions, outcomes, taken } = harness(1);
    submit('a');
    submit('b');
    await settle();
    const error = new Error('deadlock');
    submit('c');
    transactions[0].finish(error);
    await settle();
    expect(outcomes.get('a')).toEqual({ kind: 'failed', error, alone: false });
    expect(outcomes.get('b')).toEqual({ kind: 'failed', error, alone: false });
    expect(taken()).toEqual([['a', 'b'], ['c']]);
  });

  it('says alone: true when the failed transaction held that unit only (its own first attempt)', async () => {
    const { submit, transactions, outcomes } = harness(1);
    submit('a');
    await settle();
    const error = new Error('bad message');
    transactions[0].finish(error);
    await settle();
    expect(outcomes.get('a')).toEqual({ kind: 'failed', error, alone: true });
  });

  it('abandons a waiting unit whose lane went away (revoked, stopping) instead of applying it', async () => {
    const { submit, transactions, outcomes, taken } = harness(1);
    submit('a');
    await settle();
    const gone = submit('b');
    submit('c');
    gone.live = false;
    transactions[0].finish();
    await settle();
    expect(taken()).toEqual([['a'], ['c']]);
    expect(outcomes.get('b')).toEqual({ kind: 'abandoned' });
  });

  it('refuses a bound below one transaction', () => {
    expect(() => new GroupCommitQueue({ maxInFlight: 0, maxMessages: 10 }, { commit: () => Promise.resolve(), size: () => 1, isLive: () => true })).toThrow();
  });
});
