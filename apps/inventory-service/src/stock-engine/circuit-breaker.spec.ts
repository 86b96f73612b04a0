import { CircuitBreaker } from './circuit-breaker';

describe('CircuitBreaker', () => {
  let now = 0;
  const clock = () => now;
  const newBreaker = (threshold = 3) => new CircuitBreaker({ failureThreshold: threshold, openMs: 1_000, now: clock });

  beforeEach(() => {
    now = 10_000;
  });

  it('lets requests through while closed and opens after consecutive failures', () => {
    const sut = newBreaker(3);
    sut.recordFailure();
    sut.recordFailure();
    expect(sut.allowsRequest()).toBe(true);
    sut.recordFailure();
    expect(sut.state).toBe('open');
    expect(sut.allowsRequest()).toBe(false);
  });

  it('counts only consecutive failures: a success resets the count', () => {
    const sut = newBreaker(2);
    sut.recordFailure();
    sut.recordSuccess();
    sut.recordFailure();
    expect(sut.state).toBe('closed');
  });

  it('grants no probe during the cool-down, then exactly one (half-open)', () => {
    const sut = newBreaker(1);
    sut.recordFailure();
    now += 999;
    expect(sut.tryProbe()).toBe(false);
    now += 1;
    expect(sut.tryProbe()).toBe(true);
    expect(sut.state).toBe('half-open');
    expect(sut.tryProbe()).toBe(false);
    expect(sut.allowsRequest()).toBe(false);
  });

  it('closes when the probe succeeds', () => {
    const sut = newBreaker(1);
    sut.recordFailure();
    now += 1_000;
    sut.tryProbe();
    sut.probeSucceeded();
    expect(sut.state).toBe('closed');
    expect(sut.allowsRequest()).toBe(true);
  });

  it('re-opens for a new cool-down when the probe fails', () => {
    const sut = newBreaker(1);
    sut.recordFailure();
    now += 1_000;
    sut.tryProbe();
    sut.probeFailed();
    expect(sut.state).toBe('open');
    now += 500;
    expect(sut.tryProbe()).toBe(false);
    now += 500;
    expect(sut.tryProbe()).toBe(true);
  });

  it('a late failure of a request during half-open re-opens it', () => {
    const sut = newBreaker(1);
    sut.open();
    now += 1_000;
    sut.tryProbe();
    sut.recordFailure();
    expect(sut.state).toBe('open');
  });

  it('can start open with a probe due at once (cold start: warm before serving)', () => {
    const sut = new CircuitBreaker({ failureThreshold: 3, openMs: 1_000, now: clock }, 'open');
    expect(sut.allowsRequest()).toBe(false);
    expect(sut.tryProbe()).toBe(true);
  });

  it('ignores a probe outcome when no probe is running', () => {
    const sut = newBreaker(1);
    sut.probeSucceeded();
    expect(sut.state).toBe('closed');
    sut.open();
    sut.probeSucceeded();
    expect(sut.state).toBe('open');
  });
});
