/**
 * Builds the path of a request to another service from fixed parts and values a client
 * sent, as a tagged template: upstreamPath`/admin/products/${sku}`. Each value becomes one
 * percent-encoded path segment, so it can never add a segment, a query or a fragment. "."
 * and ".." are refused: URL parsers resolve them (even percent-encoded), so they would
 * silently address another resource.
 */
export function upstreamPath(parts: TemplateStringsArray, ...segments: string[]): string {
  return parts.reduce((path, part, index) => {
    if (index === 0) return part;
    return path + encodeSegment(segments[index - 1]) + part;
  }, '');
}

export class UnsafePathSegment extends Error {
  constructor() {
    super('a path segment may not be empty, "." or ".."');
  }
}

function encodeSegment(segment: string): string {
  if (segment === '' || segment === '.' || segment === '..') throw new UnsafePathSegment();
  return encodeURIComponent(segment);
}
