import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard } from './auth.guard';
import { Hs256TokenVerifier, TOKEN_VERIFIER } from './token-verifier';

@Module({})
export class AuthModule {
  static forRoot(options: { jwtSecret: string }): DynamicModule {
    return {
      module: AuthModule,
      providers: [{ provide: TOKEN_VERIFIER, useValue: new Hs256TokenVerifier(options.jwtSecret) }, { provide: APP_GUARD, useClass: AuthGuard }],
      exports: [TOKEN_VERIFIER],
    };
  }
}
