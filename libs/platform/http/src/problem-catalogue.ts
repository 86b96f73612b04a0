/**
 * The one catalogue of problem types the platform answers (RFC 9457 `type`). The exception
 * filter builds every error body from an entry here, and the OpenAPI document lists, per
 * operation and status, the entries that operation can answer: the two cannot drift apart.
 * The gateway relays inventory's admin answers, so inventory's types are here too.
 */
const PROBLEM_TYPE_BASE = 'https://order-platform.dev/problems/';

export interface ProblemType {
  /** The last segment of the type URI. */
  readonly slug: string;
  readonly status: number;
  /** What it means for the client, as the OpenAPI document says it. */
  readonly description: string;
  /** Response headers that come with it. */
  readonly headers?: readonly ProblemHeader[];
}

export type ProblemHeader = 'Retry-After' | 'WWW-Authenticate';

const define = (slug: string, status: number, description: string, headers?: readonly ProblemHeader[]): ProblemType => ({
  slug,
  status,
  description,
  ...(headers ? { headers } : {}),
});

export const Problems = {
  // The HTTP layer, any route
  ValidationFailed: define('validation-failed', 400, 'The body, query or a header is not valid; `errors` names each field and the rule it broke.'),
  MalformedJson: define('malformed-json', 400, 'The body is not valid JSON (or is nested deeper than 32 levels).'),
  MalformedRequest: define('malformed-request', 400, 'The HTTP request could not be parsed.'),
  BadUrl: define('bad-url', 400, 'The URL is not valid (a broken percent-escape?).'),
  BadRequest: define('bad-request', 400, 'The request could not be processed.'),
  Unauthenticated: define('unauthenticated', 401, 'Missing, malformed, expired or badly signed bearer token.', ['WWW-Authenticate']),
  TokenKeysUnavailable: define(
    'token-keys-unavailable',
    503,
    "The identity provider's signing keys cannot be fetched and none is cached yet; retry after Retry-After.",
    ['Retry-After'],
  ),
  Forbidden: define('forbidden', 403, 'The token lacks the role this action needs.'),
  NotFound: define('not-found', 404, 'No such resource.'),
  RequestTimeout: define('request-timeout', 408, 'The request head or body did not arrive in time; the connection is closed.'),
  PayloadTooLarge: define('payload-too-large', 413, 'The request body exceeds 64 KiB.'),
  UriTooLong: define('uri-too-long', 414, 'A path segment is too long.'),
  UnsupportedMediaType: define('unsupported-media-type', 415, 'The body is not application/json.'),
  HeadersTooLarge: define('request-header-fields-too-large', 431, 'The request headers are too large.'),
  TemporarilyUnavailable: define('temporarily-unavailable', 503, 'A dependency is away or saturated; retry after Retry-After.', ['Retry-After']),
  NotReady: define('not-ready', 503, 'Readiness: a dependency (named in `errors`) is unavailable.'),

  // Orders (gateway)
  OrderNotFound: define('order-not-found', 404, 'Unknown order, or someone else’s (never revealed as existing).'),
  OrderNotCancellable: define('order-not-cancellable', 409, 'The order is already PAID, CONFIRMED or CANCELLED.'),
  UnknownSku: define('unknown-sku', 422, 'An item names a sku the catalog does not have.'),
  UnsupportedPaymentMethod: define('unsupported-payment-method', 422, 'The payment method is not one of the accepted ones, which the detail lists.'),
  IdempotencyKeyReused: define('idempotency-key-reused', 422, 'The Idempotency-Key was already used with a different request body.'),
  IdempotencyRequestInFlight: define(
    'idempotency-request-in-flight',
    409,
    'A request with this Idempotency-Key is still in flight (or holding its answer for Prefer: wait); retry after Retry-After.',
    ['Retry-After'],
  ),
  RateLimited: define('rate-limited', 429, 'More than RATE_LIMIT_ORDERS_PER_MINUTE orders in the last minute; retry after Retry-After.', ['Retry-After']),
  InventoryFailed: define('inventory-failed', 502, 'The inventory service failed to handle the request; a retry is not promised to help.'),
  InventoryUnavailable: define('inventory-unavailable', 503, 'The inventory service is not reachable; retry after Retry-After.', ['Retry-After']),

  // Catalog and stock (inventory, relayed by the gateway)
  UnknownProduct: define('unknown-product', 404, 'Unknown sku.'),
  ProductExists: define('product-exists', 409, 'A product with this sku already exists.'),
  InsufficientStock: define('insufficient-stock', 409, 'The adjustment would make available stock negative.'),
  StockLimitExceeded: define('stock-limit-exceeded', 409, 'The adjustment would make the sku hold more than 1,000,000,000 units in all.'),
} as const satisfies Record<string, ProblemType>;

/** The type of an unexpected failure: a bare 500 that says nothing (RFC 9457 about:blank). */
export const INTERNAL_PROBLEM_TYPE = 'about:blank';

const PROBLEM_TYPES: readonly ProblemType[] = Object.values(Problems);

export function problemTypeUri(type: ProblemType): string {
  return `${PROBLEM_TYPE_BASE}${type.slug}`;
}

/** Every `type` URI the platform may answer, about:blank (500) included. */
export const PROBLEM_TYPE_URIS: readonly string[] = [...PROBLEM_TYPES.map(problemTypeUri), INTERNAL_PROBLEM_TYPE];

const BY_URI = new Map(PROBLEM_TYPES.map((type) => [problemTypeUri(type), type]));

export function problemTypeOf(uri: string): ProblemType | undefined {
  return BY_URI.get(uri);
}

// The entry for an error that carries only a status (a framework exception).
const GENERIC: Record<number, ProblemType> = {
  400: Problems.BadRequest,
  401: Problems.Unauthenticated,
  403: Problems.Forbidden,
  404: Problems.NotFound,
  408: Problems.RequestTimeout,
  413: Problems.PayloadTooLarge,
  414: Problems.UriTooLong,
  415: Problems.UnsupportedMediaType,
  429: Problems.RateLimited,
  431: Problems.HeadersTooLarge,
};

/** The catalogue entry for a bare 4xx status; a status the catalogue lacks is a plain 400. */
export function genericProblemFor(status: number): ProblemType {
  return GENERIC[status] ?? Problems.BadRequest;
}
