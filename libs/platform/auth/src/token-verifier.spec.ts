import { JwtPayload, sign } from 'jsonwebtoken';
import { Unauthenticated } from '@orders/platform-http';
import { Hs256TokenVerifier } from './token-verifier';

const secret = 'a-test-secret-of-enough-length';
const sut = new Hs256TokenVerifier(secret);
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('HS256 token verifier', () => {
  it('accepts a valid token and reads sub and roles', async () => {
    const token = sign({ sub: 'u1', roles: ['admin'] } satisfies JwtPayload, secret, { algorithm: 'HS256', expiresIn: 60 });
    await expect(sut.verify(token)).resolves.toEqual({ id: 'u1', roles: ['admin'] });
  });

  it.each([
    ['a wrong signature', () => sign({ sub: 'u1' } satisfies JwtPayload, 'another-secret-of-enough-length', { algorithm: 'HS256', expiresIn: 60 })],
    ['an expired token', () => sign({ sub: 'u1', exp: Math.floor(Date.now() / 1000) - 60 } satisfies JwtPayload, secret, { algorithm: 'HS256' })],
    ['a token without exp', () => sign({ sub: 'u1' } satisfies JwtPayload, secret, { algorithm: 'HS256' })],
    ['a token without sub', () => sign({ roles: [] }, secret, { algorithm: 'HS256', expiresIn: 60 })],
    ['alg none', () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'u1', exp: 9999999999 } satisfies JwtPayload)}.`],
    ['HS512', () => sign({ sub: 'u1' } satisfies JwtPayload, secret, { algorithm: 'HS512', expiresIn: 60 })],
    ['roles that are not strings', () => sign({ sub: 'u1', roles: [1] } satisfies JwtPayload, secret, { algorithm: 'HS256', expiresIn: 60 })],
    ['a sub with a NUL byte', () => sign({ sub: 'u1\u0000' } satisfies JwtPayload, secret, { algorithm: 'HS256', expiresIn: 60 })],
    ['a sub with a newline', () => sign({ sub: 'u1\nadmin' } satisfies JwtPayload, secret, { algorithm: 'HS256', expiresIn: 60 })],
    ['garbage', () => 'not.a.token'],
    [
      'a crit header naming an unknown extension',
      () =>
        sign({ sub: 'u1' } satisfies JwtPayload, secret, { algorithm: 'HS256', expiresIn: 60, header: { alg: 'HS256', crit: ['exp-x'], 'exp-x': 1 } as never }),
    ],
    ['an empty crit header', () => sign({ sub: 'u1' } satisfies JwtPayload, secret, { algorithm: 'HS256', expiresIn: 60, header: { alg: 'HS256', crit: [] } })],
  ])('rejects %s', async (_case, token) => {
    await expect(sut.verify(token())).rejects.toBeInstanceOf(Unauthenticated);
  });
});
