// Bearer tokens (HS256 shared secret, RS256/ES256 from an identity provider's JWKS), the
// global guard, and the decorators controllers use: @Public, @Roles, @CurrentUser.
export { AuthModule, type AuthOptions } from './auth.module';
export { type AuthenticatedRequest, CurrentUser, Public, Roles } from './auth.decorators';
export { type AuthenticatedUser } from './token-verifier';
