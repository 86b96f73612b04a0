import { decodeProtectedHeader } from 'jose';
import { Unauthenticated } from '@orders/platform-http';
import { AuthenticatedUser, TokenVerifier } from './token-verifier';

/**
 * Hands a token to the verifier of its `alg` (HS256 development tokens, RS256/ES256 of the
 * identity provider). Each verifier pins its own algorithms again, so a token cannot pick
 * a weaker check by lying in its header.
 */
export class TokenVerifierByAlgorithm implements TokenVerifier {
  constructor(private readonly byAlgorithm: Record<string, TokenVerifier>) {}

  async verify(token: string): Promise<AuthenticatedUser> {
    let alg: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw new Unauthenticated('The token is not valid.');
    }
    const verifier = typeof alg === 'string' && Object.hasOwn(this.byAlgorithm, alg) ? this.byAlgorithm[alg] : undefined;
    if (!verifier) throw new Unauthenticated('The token is not valid.');
    return verifier.verify(token);
  }
}
