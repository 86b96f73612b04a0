type BreakerState = 'closed' | 'open' | 'half-open';

interface BreakerOptions {
  /** Consecutive failures that open a closed breaker. */
  failureThreshold: number;
  /** How long an open breaker refuses before it lets one probe through. */
  openMs: number;
  now?: () => number;
}

/**
 * closed: requests pass; `failureThreshold` consecutive failures open it.
 * open: requests are refused for `openMs`; then the next `tryProbe()` moves it to
 * half-open and is granted the single probe.
 * half-open: only the probe runs; its success closes the breaker, its failure re-opens it.
 * Pure state, no I/O: the caller decides what a request and a probe are.
 */
export class CircuitBreaker {
  private current: BreakerState;
  private failures = 0;
  private openedAt: number;
  private readonly now: () => number;

  constructor(
    private readonly options: BreakerOptions,
    initial: BreakerState = 'closed',
  ) {
    this.now = options.now ?? Date.now;
    this.current = initial;
    // Starting open means "probe at once" (e.g. Redis must be warmed before it serves).
    this.openedAt = initial === 'open' ? this.now() - options.openMs : 0;
  }

  get state(): BreakerState {
    return this.current;
  }

  /** May a normal request use the protected dependency? Only when closed. */
  allowsRequest(): boolean {
    return this.current === 'closed';
  }

  /** True once per cool-down: the caller must then report the probe's outcome. */
  tryProbe(): boolean {
    if (this.current !== 'open' || this.now() - this.openedAt < this.options.openMs) return false;
    this.current = 'half-open';
    return true;
  }

  recordSuccess(): void {
    if (this.current === 'closed') this.failures = 0;
  }

  recordFailure(): void {
    if (this.current === 'closed') {
      this.failures += 1;
      if (this.failures >= this.options.failureThreshold) this.open();
    } else if (this.current === 'half-open') {
      this.open();
    }
  }

  probeSucceeded(): void {
    if (this.current !== 'half-open') return;
    this.current = 'closed';
    this.failures = 0;
  }

  probeFailed(): void {
    if (this.current === 'half-open') this.open();
  }

  /** Opens at once, whatever the count (e.g. Redis answered that it lost its data). */
  open(): void {
    this.current = 'open';
    this.openedAt = this.now();
    this.failures = 0;
  }
}
