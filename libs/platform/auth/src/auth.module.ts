import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard } from './auth.guard';
import { JWKS_ALGORITHMS, JwksOptions, JwksTokenVerifier } from './jwks-token-verifier';
import { Hs256TokenVerifier, TOKEN_VERIFIER, TokenVerifier } from './token-verifier';
import { TokenVerifierByAlgorithm } from './token-verifier-by-algorithm';

export interface AuthOptions {
  /** HS256 shared secret; omitted when HS256 tokens are not accepted (production with an identity provider). */
  jwtSecret?: string;
  /** The identity provider whose RS256/ES256 tokens are accepted. */
  jwks?: JwksOptions;
}

/**
 * Binds the TokenVerifier the global AuthGuard uses. Guards, @Roles, @CurrentUser and every
 * controller depend only on the TokenVerifier interface.
 */
@Module({})
export class AuthModule {
  static forRoot(options: AuthOptions): DynamicModule {
    return {
      module: AuthModule,
      providers: [
        { provide: TOKEN_VERIFIER, useValue: tokenVerifierFor(options) },
        { provide: APP_GUARD, useClass: AuthGuard },
      ],
      exports: [TOKEN_VERIFIER],
    };
  }
}

export function tokenVerifierFor(options: AuthOptions): TokenVerifier {
  const byAlgorithm: Record<string, TokenVerifier> = {};
  if (options.jwtSecret) byAlgorithm.HS256 = new Hs256TokenVerifier(options.jwtSecret);
  if (options.jwks) {
    const jwks = new JwksTokenVerifier(options.jwks);
    for (const alg of JWKS_ALGORITHMS) byAlgorithm[alg] = jwks;
  }
  return new TokenVerifierByAlgorithm(byAlgorithm);
}
