/**
 * A mock of every method of `type`, each a bare jest.fn(): the collaborators of a use case
 * under test (Immich's `newTestService` idea), so a spec states only the answers it needs.
 */
export function automock<T extends object>(type: abstract new (...args: never[]) => T): jest.Mocked<T> {
  const prototype = type.prototype as object;
  const methods = Object.getOwnPropertyNames(prototype).filter(
    (name) => name !== 'constructor' && typeof Object.getOwnPropertyDescriptor(prototype, name)?.value === 'function',
  );
  return Object.fromEntries(methods.map((name) => [name, jest.fn()])) as unknown as jest.Mocked<T>;
}
