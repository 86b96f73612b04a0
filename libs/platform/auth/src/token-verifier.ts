import { createSecretKey, KeyObject } from 'node:crypto';
import { JsonWebTokenError, TokenExpiredError, verify } from 'jsonwebtoken';
import { Unauthenticated } from '@orders/platform-http';

export interface AuthenticatedUser {
  id: string;
  roles: string[];
}

/**
 * Turns a bearer token into a user. HS256 with a shared secret today; an RS256/JWKS
 * issuer is another implementation of this interface, bound in AuthModule, with no
 * change to guards or controllers.
 */
export interface TokenVerifier {
  verify(token: string): Promise<AuthenticatedUser>;
}

export const TOKEN_VERIFIER = Symbol('TOKEN_VERIFIER');

const MAX_SUBJECT_LENGTH = 255;

export class Hs256TokenVerifier implements TokenVerifier {
  // Built once: given a string, jsonwebtoken derives a key object on every call
  // (~0.4 ms, 18% of the gateway's CPU under intake load; bench/REPORT.md).
  private readonly key: KeyObject;

  constructor(secret: string) {
    this.key = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  verify(token: string): Promise<AuthenticatedUser> {
    // Synchronous underneath; the executor turns a refusal into a rejection, as the contract expects.
    return new Promise((resolve) => {
      resolve(this.verifyNow(token));
    });
  }

  private verifyNow(token: string): AuthenticatedUser {
    refuseCriticalExtensions(token);
    let claims: unknown;
    try {
      // Pinning the algorithm rejects `alg: none` and every algorithm-confusion trick.
      claims = verify(token, this.key, { algorithms: ['HS256'], clockTolerance: 5 });
    } catch (error) {
      if (error instanceof TokenExpiredError) throw new Unauthenticated('The token has expired.');
      if (error instanceof JsonWebTokenError) throw new Unauthenticated('The token is not valid.');
      throw error;
    }
    return userFromClaims(claims);
  }
}

/**
 * RFC 7515 §4.1.11: a token whose `crit` header names extensions the recipient does not
 * understand must be refused. We understand none, so any `crit` is refused (jsonwebtoken
 * ignores the parameter).
 */
function refuseCriticalExtensions(token: string): void {
  const [encodedHeader] = token.split('.');
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(encodedHeader, 'base64url').toString('utf8'));
  } catch {
    return; // not a JWS header at all: verify() refuses it with its own reason
  }
  if (typeof header === 'object' && header !== null && 'crit' in header) {
    throw new Unauthenticated('The token names critical extensions that are not supported.');
  }
}

export function userFromClaims(claims: unknown): AuthenticatedUser {
  if (typeof claims !== 'object' || claims === null) throw new Unauthenticated('The token is not valid.');
  const { sub, roles, exp } = claims as { sub?: unknown; roles?: unknown; exp?: unknown };
  if (typeof exp !== 'number') throw new Unauthenticated('The token must carry an exp claim.');
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_SUBJECT_LENGTH) throw new Unauthenticated('The token must carry a sub claim.');
  // The user id becomes a key in Postgres and Redis: no control characters (Postgres refuses NUL in text).
  if (Array.from(sub).some((char) => char < ' ' || char === '\u007f')) throw new Unauthenticated('The sub claim is not a valid user id.');
  if (roles !== undefined && !(Array.isArray(roles) && roles.every((role) => typeof role === 'string'))) {
    throw new Unauthenticated('The roles claim must be an array of strings.');
  }
  return { id: sub, roles: roles ?? [] };
}
