import { CryptoKey, exportJWK, generateKeyPair, JWK, SignJWT } from 'jose';
import { JwtPayload, sign } from 'jsonwebtoken';
import { createHmac, createPublicKey, KeyObject, sign as cryptoSign } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Unauthenticated } from '@orders/platform-http';
import { tokenVerifierFor } from './auth.module';
import { JwksOptions, TokenKeysUnavailable } from './jwks-token-verifier';

/** A real identity provider's JWKS endpoint on a local port; the test sets which keys it publishes. */
class JwksServer {
  published: JWK[] = [];
  requests = 0;
  private server: Server | null = null;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      this.requests += 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: this.published }));
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  }

  get running(): boolean {
    return this.server !== null;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/.well-known/jwks.json`;
  }
}

interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  jwk: JWK;
}

async function signingKey(kid: string, alg: 'RS256' | 'ES256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** A token signed by hand, for headers jose refuses to produce. */
function handSigned(key: SigningKey, header: Record<string, unknown>, how: 'rsa' | 'hmac' = 'rsa'): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = { sub: 'u1', iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 300 };
  const signingInput = `${encode(header)}.${encode(claims)}`;
  const signature =
    how === 'rsa'
      ? cryptoSign('sha256', Buffer.from(signingInput), KeyObject.from(key.privateKey))
      : createHmac('sha256', createPublicKey({ key: key.jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }))
          .update(signingInput)
          .digest();
  return `${signingInput}.${signature.toString('base64url')}`;
}

const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'order-platform';

function token(key: SigningKey, claims: Record<string, unknown> = {}, { issuer = ISSUER, audience = AUDIENCE, kid = key.kid } = {}): Promise<string> {
  return new SignJWT({ roles: ['admin'], ...claims })
    .setProtectedHeader({ alg: key.alg, kid })
    .setSubject('idp-user-1')
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key.privateKey);
}

describe('JWKS token verifier (identity provider keys)', () => {
  const jwks = new JwksServer();
  let rsa: SigningKey;
  let ec: SigningKey;
  let rotated: SigningKey;
  let stranger: SigningKey;

  const options = (extra: Partial<JwksOptions> = {}): JwksOptions => ({ url: jwks.url, issuer: ISSUER, audience: AUDIENCE, refreshCooldownMs: 0, ...extra });

  beforeAll(async () => {
    [rsa, ec, rotated, stranger] = await Promise.all([
      signingKey('rsa-1', 'RS256'),
      signingKey('ec-1', 'ES256'),
      signingKey('rsa-2', 'RS256'),
      signingKey('rsa-x', 'RS256'),
    ]);
  });

  beforeEach(async () => {
    jwks.published = [rsa.jwk, ec.jwk];
    if (!jwks.running) await jwks.start(); // a test before may have taken it down
    jwks.requests = 0;
  });

  afterAll(() => jwks.stop());

  it('accepts RS256 and ES256 tokens of the provider and reads sub and roles; keys are fetched once', async () => {
    const sut = tokenVerifierFor({ jwks: options() });
    await expect(sut.verify(await token(rsa))).resolves.toEqual({ id: 'idp-user-1', roles: ['admin'] });
    await expect(sut.verify(await token(ec))).resolves.toEqual({ id: 'idp-user-1', roles: ['admin'] });
    await expect(sut.verify(await token(rsa))).resolves.toBeDefined();
    expect(jwks.requests).toBe(1);
  });

  it('accepts a token signed by a rotated-in key without a restart', async () => {
    const sut = tokenVerifierFor({ jwks: options() });
    await expect(sut.verify(await token(rsa))).resolves.toBeDefined();
    jwks.published = [rotated.jwk]; // the provider rotates: rsa-1 retired, rsa-2 signs
    await expect(sut.verify(await token(rotated))).resolves.toEqual({ id: 'idp-user-1', roles: ['admin'] });
    expect(jwks.requests).toBe(2);
  });

  it.each([
    ['signed by a key the provider never published', () => token(stranger)],
    ['signed by another key under a published kid', () => token(stranger, {}, { kid: 'rsa-1' })],
    ['from another issuer', () => token(rsa, {}, { issuer: 'https://evil.example.test/' })],
    ['for another audience', () => token(rsa, {}, { audience: 'another-api' })],
    ['with a critical header extension nobody understands', async () => handSigned(rsa, { alg: 'RS256', kid: 'rsa-1', crit: ['x-new'], 'x-new': 1 })],
    ['whose RS256 header sits on an HMAC made with the public key (algorithm confusion)', async () => handSigned(rsa, { alg: 'RS256', kid: 'rsa-1' }, 'hmac')],
    [
      'without exp',
      () => new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' }).setSubject('u').setIssuer(ISSUER).setAudience(AUDIENCE).sign(rsa.privateKey),
    ],
    [
      'expired',
      () =>
        new SignJWT({})
          .setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' })
          .setSubject('u')
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
          .sign(rsa.privateKey),
    ],
    [
      'HS256 when no shared secret is configured',
      async () => sign({ sub: 'u1' } satisfies JwtPayload, 'a-test-secret-of-enough-length', { algorithm: 'HS256', expiresIn: 60 }),
    ],
  ])('refuses a token %s', async (_case, make) => {
    const sut = tokenVerifierFor({ jwks: options() });
    await expect(sut.verify(await make())).rejects.toBeInstanceOf(Unauthenticated);
  });

  it('keeps verifying with the cached keys while the JWKS endpoint is down, and still refuses unknown keys', async () => {
    // Keys count as stale at once, so every token asks the endpoint first.
    const sut = tokenVerifierFor({ jwks: options({ cacheMaxAgeMs: 0 }) });
    await expect(sut.verify(await token(rsa))).resolves.toBeDefined();
    await jwks.stop();
    await expect(sut.verify(await token(rsa))).resolves.toEqual({ id: 'idp-user-1', roles: ['admin'] });
    await expect(sut.verify(await token(ec))).resolves.toBeDefined();
    await expect(sut.verify(await token(stranger))).rejects.toBeInstanceOf(Unauthenticated);
  });

  it('answers 503 (not 401) when no key was ever fetched and the endpoint is down', async () => {
    await jwks.stop();
    const sut = tokenVerifierFor({ jwks: options() });
    await expect(sut.verify(await token(rsa))).rejects.toBeInstanceOf(TokenKeysUnavailable);
  });

  it('accepts HS256 development tokens beside the provider when a shared secret is configured', async () => {
    const secret = 'a-test-secret-of-enough-length';
    const sut = tokenVerifierFor({ jwtSecret: secret, jwks: options() });
    await expect(sut.verify(sign({ sub: 'dev-1', roles: [] } satisfies JwtPayload, secret, { algorithm: 'HS256', expiresIn: 60 }))).resolves.toEqual({
      id: 'dev-1',
      roles: [],
    });
    await expect(sut.verify(await token(rsa))).resolves.toBeDefined();
  });
});
