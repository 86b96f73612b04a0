import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard } from './auth.guard';
import { Hs256TokenVerifier, TOKEN_VERIFIER } from './token-verifier';

/**
 * Binds the TokenVerifier the global AuthGuard uses. Guards, @Roles, @CurrentUser and every
 * controller depend only on the TokenVerifier interface, so moving to an RS256 issuer is a
 * change here alone: bind e.g. a `JwksTokenVerifier` (fetches and caches the issuer's JWKS,
 * selects the key by `kid`, pins `algorithms: ['RS256']`, checks `iss`/`aud`, then reuses
 * `userFromClaims`) instead of the HS256 one, chosen by config.
 */
@Module({})
export class AuthModule {
  static forRoot(options: { jwtSecret: string }): DynamicModule {
    return {
      module: AuthModule,
      providers: [
        { provide: TOKEN_VERIFIER, useValue: new Hs256TokenVerifier(options.jwtSecret) },
        { provide: APP_GUARD, useClass: AuthGuard },
      ],
      exports: [TOKEN_VERIFIER],
    };
  }
}
