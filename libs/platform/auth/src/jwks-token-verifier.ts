import { Logger } from '@nestjs/common';
import { createLocalJWKSet, createRemoteJWKSet, customFetch, errors, JWTVerifyGetKey, jwtVerify } from 'jose';
import { DomainError, Problems, Unauthenticated } from '@orders/platform-http';
import { counter } from '@orders/platform-observability';
import { AuthenticatedUser, TokenVerifier, userFromClaims } from './token-verifier';

export interface JwksOptions {
  /** The identity provider's JSON Web Key Set (`…/.well-known/jwks.json`). */
  url: string;
  issuer: string;
  audience: string;
  /** Least time between two fetches triggered by a token with an unknown `kid`. */
  refreshCooldownMs: number;
  /** How long fetched keys count as fresh before the next token fetches them again (10 min). */
  cacheMaxAgeMs?: number;
}

/** Asymmetric algorithms an identity provider signs with; anything else is refused. */
export const JWKS_ALGORITHMS = ['RS256', 'ES256'];

const fetches = counter({ name: 'auth_jwks_fetches_total', help: 'Fetches of the identity provider JWKS, by outcome', labelNames: ['outcome'] });

/** The identity provider cannot be asked and no key it published is known yet: 503, not 401. */
export class TokenKeysUnavailable extends DomainError {
  constructor() {
    super(Problems.TokenKeysUnavailable, 'The token cannot be verified right now; retry later.', undefined, { 'Retry-After': '5' });
  }
}

/**
 * RS256/ES256 tokens of an identity provider, verified with the keys of its JWKS (jose):
 * keys are cached, fetched again every 10 minutes and at once for a token whose `kid` is
 * unknown (at most once per cooldown), so a key rotation needs no restart. When the
 * provider is unreachable, the keys it last published keep verifying tokens: an outage
 * of the identity provider does not log every user out.
 */
export class JwksTokenVerifier implements TokenVerifier {
  private readonly logger = new Logger(JwksTokenVerifier.name);
  private readonly remote: ReturnType<typeof createRemoteJWKSet>;
  private providerDown = false;

  constructor(private readonly options: JwksOptions) {
    // jose skips the iss/aud check for an empty expectation: never let that pass silently.
    if (!options.issuer || !options.audience) throw new Error('a JWKS token verifier needs an issuer and an audience');
    this.remote = createRemoteJWKSet(new URL(options.url), {
      cooldownDuration: options.refreshCooldownMs,
      cacheMaxAge: options.cacheMaxAgeMs ?? 600_000,
      timeoutDuration: 2_000,
      [customFetch]: (url: string, init: RequestInit) =>
        fetch(url, init).then(
          (response) => {
            fetches.inc({ outcome: response.ok ? 'ok' : 'error' });
            return response;
          },
          (error: unknown) => {
            fetches.inc({ outcome: 'error' });
            throw error;
          },
        ),
    });
  }

  async verify(token: string): Promise<AuthenticatedUser> {
    let claims: unknown;
    try {
      ({ payload: claims } = await jwtVerify(token, this.getKey, {
        algorithms: JWKS_ALGORITHMS,
        issuer: this.options.issuer,
        audience: this.options.audience,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: 5,
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new Unauthenticated('The token has expired.');
      // Bad signature, unknown kid, wrong issuer or audience, alg not pinned, `crit` not understood…
      if (error instanceof errors.JOSEError) throw new Unauthenticated('The token is not valid.');
      throw error;
    }
    return userFromClaims(claims);
  }

  private readonly getKey: JWTVerifyGetKey = async (header, token) => {
    try {
      const key = await this.remote(header, token);
      if (this.providerDown) this.logger.log('the identity provider JWKS is reachable again');
      this.providerDown = false;
      return key;
    } catch (error) {
      if (isAnswerAboutTheKey(error)) throw error;
      const lastKnown = this.remote.jwks();
      if (!this.providerDown)
        this.logger.warn({ reason: (error as Error).message }, 'the identity provider JWKS cannot be fetched; verifying with the keys last published');
      this.providerDown = true;
      if (!lastKnown) throw new TokenKeysUnavailable();
      return createLocalJWKSet(lastKnown)(header, token);
    }
  };
}

/** The JWKS was read and says something about the key (unknown kid, ambiguous, unusable): no fallback. */
function isAnswerAboutTheKey(error: unknown): boolean {
  return (
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys ||
    error instanceof errors.JOSENotSupported ||
    error instanceof errors.JWKInvalid
  );
}
