import { CryptoKey, exportJWK, generateKeyPair, JWK, SignJWT } from 'jose';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

/**
 * A stand-in identity provider on a local port: serves a JWKS of the keys it currently
 * publishes and signs RS256 tokens with any key, published or not.
 */
export class IdentityProvider {
  readonly issuer = 'https://idp.test.local/';
  readonly audience = 'order-platform';
  private readonly keys = new Map<string, SigningKey>();
  private published: SigningKey[] = [];

  private constructor(private readonly server: Server) {}

  static async start(): Promise<IdentityProvider> {
    const server = createServer();
    const provider = new IdentityProvider(server);
    server.on('request', (_request, response) => {
      const keys = provider.published.map((key) => key.jwk);
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return provider;
  }

  get jwksUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/.well-known/jwks.json`;
  }

  /** The environment that makes a service trust this provider. */
  env(): Record<string, string> {
    return { AUTH_JWKS_URL: this.jwksUrl, AUTH_JWT_ISSUER: this.issuer, AUTH_JWT_AUDIENCE: this.audience, AUTH_JWKS_REFRESH_COOLDOWN_MS: '0' };
  }

  /** From now on the JWKS lists exactly these keys (created on first use). */
  async publish(...kids: string[]): Promise<void> {
    this.published = await Promise.all(kids.map((kid) => this.key(kid)));
  }

  async token(kid: string, subject: string, roles: string[] = []): Promise<string> {
    const key = await this.key(kid);
    return new SignJWT({ roles })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setSubject(subject)
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .setExpirationTime('5m')
      .sign(key.privateKey);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async key(kid: string): Promise<SigningKey> {
    let key = this.keys.get(kid);
    if (!key) {
      const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
      key = { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
      this.keys.set(kid, key);
    }
    return key;
  }
}
