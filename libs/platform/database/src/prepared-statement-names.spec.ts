import { PreparedStatementNames } from './prepared-statement-names';

describe('PreparedStatementNames', () => {
  it('names a text after its content, the same on every call and in every process', () => {
    const sut = new PreparedStatementNames();
    const name = sut.nameOf('SELECT 1');
    expect(name).toMatch(/^s_[0-9a-f]{24}$/);
    expect(sut.nameOf('SELECT 1')).toBe(name);
    expect(new PreparedStatementNames().nameOf('SELECT 1')).toBe(name);
    expect(sut.nameOf('SELECT 2')).not.toBe(name);
  });

  it('sends texts past its capacity unnamed, and keeps naming the ones it has', () => {
    const sut = new PreparedStatementNames(2);
    const first = sut.nameOf('SELECT 1');
    sut.nameOf('SELECT 2');
    expect(sut.nameOf('SELECT 3')).toBeUndefined();
    expect(sut.nameOf('SELECT 1')).toBe(first);
    expect(sut.size).toBe(2);
  });

  it('renews a name, so a plan PostgreSQL refused is prepared again under a new one', () => {
    const sut = new PreparedStatementNames();
    const first = sut.nameOf('SELECT * FROM t');
    sut.renew('SELECT * FROM t');
    const second = sut.nameOf('SELECT * FROM t');
    sut.renew('SELECT * FROM t');
    const third = sut.nameOf('SELECT * FROM t');
    expect(new Set([first, second, third]).size).toBe(3);
    expect(third).toBe(`${String(first)}_g3`);
  });
});
