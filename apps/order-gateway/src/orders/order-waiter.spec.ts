import { MAX_WAIT_SECONDS, preferredWaitSeconds } from './order-waiter';

describe('Prefer: wait (RFC 7240)', () => {
  it.each([
    ['wait=10', 10],
    ['WAIT=3', 3],
    ['wait = 7', 7],
    ['wait="4"', 4],
    ['respond-async, wait=5', 5],
    ['wait=5; foo=bar', 5],
    ['wait=0', 0],
    ['wait=31', MAX_WAIT_SECONDS],
    [`wait=${'9'.repeat(40)}`, MAX_WAIT_SECONDS],
    ['wait=2, wait=9', 2],
  ])('%s waits %i s', (header, seconds) => {
    expect(preferredWaitSeconds(header)).toBe(seconds);
  });

  it.each([
    ['no header', undefined],
    ['another preference', 'respond-async'],
    ['wait inside another preference’s parameters', 'handling=lenient; wait=5'],
    ['wait inside a quoted value', 'foo="a, wait=5"'],
    ['a name that only ends in wait', 'nowait=5'],
    ['a value that is not a number', 'wait=abc'],
    ['a negative number', 'wait=-1'],
    ['a fraction', 'wait=1.5'],
  ])('%s is not a wait', (_case, header) => {
    expect(preferredWaitSeconds(header)).toBeNull();
  });

  it('reads repeated headers in order', () => {
    expect(preferredWaitSeconds(['respond-async', 'wait=3'])).toBe(3);
  });
});
