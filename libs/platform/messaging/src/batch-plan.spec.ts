import { planGroups } from './batch-plan';

const item = (key: string, eventType: string) => ({ key, eventType, id: `${key}:${eventType}` });
const ids = (groups: Array<Array<{ id: string }>>) => groups.map((group) => group.map((entry) => entry.id));

describe('planGroups', () => {
  it('puts the events of one type together when their keys differ', () => {
    expect(ids(planGroups([item('a', 'X'), item('b', 'Y'), item('c', 'X'), item('d', 'Y')]))).toEqual([
      ['a:X', 'c:X'],
      ['b:Y', 'd:Y'],
    ]);
  });

  it("keeps one key's events in offset order, in later groups", () => {
    const groups = planGroups([item('a', 'X'), item('a', 'Y'), item('b', 'Y'), item('b', 'X')]);
    expect(ids(groups)).toEqual([['a:X'], ['a:Y', 'b:Y'], ['b:X']]);
  });

  it('never puts two events of one key in one group (a duplicate goes to a later group)', () => {
    const groups = planGroups([item('a', 'X'), item('a', 'X'), item('b', 'X')]);
    expect(ids(groups)).toEqual([['a:X', 'b:X'], ['a:X']]);
  });

  it('returns nothing for nothing', () => {
    expect(planGroups([])).toEqual([]);
  });
});
