import { createHmac } from 'node:crypto';
import net from 'node:net';
import { JwtPayload, sign } from 'jsonwebtoken';
import { DEVELOPMENT_JWT_SECRET } from '@orders/platform-config';

/** What every error answer of the gateway must look like (contract: RFC 9457, nothing internal). */
export interface ResponseLike {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
  text: string;
}

// What only the server's insides could produce (the request's own text may be echoed, e.g. an unknown sku).
const LEAKS = [
  /\bat\s+\S+\s*\(/,
  /"stack"/i,
  /QueryFailed/i,
  /relation "/i,
  /syntax error at or near/i,
  /violates/i,
  /duplicate key/i,
  /postgres(ql)?:\/\//i,
  /ECONNREFUSED/,
  /127\.0\.0\.1/,
  /localhost/i,
  /node_modules/,
  /\.ts:\d+/,
];

export function expectProblem(response: ResponseLike, status: number): Record<string, unknown> {
  expect({ status: response.status, contentType: response.headers['content-type'] }).toEqual({
    status,
    contentType: expect.stringMatching(/^application\/problem\+json/),
  });
  const body = JSON.parse(response.text) as Record<string, unknown>;
  expect(body).toEqual(
    expect.objectContaining({
      type: expect.any(String),
      title: expect.any(String),
      status,
      detail: expect.any(String),
      instance: expect.stringMatching(/^\//),
    }),
  );
  expect(Object.keys(body).every((key) => ['type', 'title', 'status', 'detail', 'instance', 'errors'].includes(key))).toBe(true);
  for (const leak of LEAKS) expect(response.text).not.toMatch(leak);
  return body;
}

export function fieldsOf(body: Record<string, unknown>): string[] {
  return ((body.errors as Array<{ field: string }> | undefined) ?? []).map((error) => error.field);
}

/** A raw HTTP/1.1 exchange, for bytes a well-behaved client library refuses to send. */
export function rawRequest(baseUrl: string, head: string, body = ''): Promise<{ status: number; headers: Record<string, string>; text: string }> {
  const url = new URL(baseUrl);
  const payload = Buffer.concat([
    Buffer.from(`${head}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`, 'utf8'),
    Buffer.from(body, 'utf8'),
  ]);
  return new Promise((resolve, reject) => {
    // write, not end: a half-closed client socket may be torn down before the answer is written.
    const socket = net.connect(Number(url.port), url.hostname, () => socket.write(payload));
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer')));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      socket.destroy();
      const text = Buffer.concat(chunks).toString('utf8');
      const [rawHead, ...rest] = text.split('\r\n\r\n');
      const [statusLine, ...headerLines] = rawHead.split('\r\n');
      const headers = Object.fromEntries(headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, text: rest.join('\r\n\r\n') });
    });
  });
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const inMinutes = (minutes: number) => Math.floor(Date.now() / 1000) + minutes * 60;

/** Correctly HS256-signed with the real secret, whatever the claims: only the claims are wrong. */
function signedRaw(claims: object): string {
  return signedWithHeader({ alg: 'HS256', typ: 'JWT' }, claims);
}

function signedWithHeader(header: object, claims: object): string {
  const unsigned = `${b64(header)}.${b64(claims)}`;
  return `${unsigned}.${createHmac('sha256', DEVELOPMENT_JWT_SECRET).update(unsigned).digest('base64url')}`;
}

/** Tokens an attacker or a broken client could send; every one must be a 401. */
export function hostileTokens(): Array<[string, string]> {
  const valid = sign({ sub: 'mallory', roles: [] } satisfies JwtPayload, DEVELOPMENT_JWT_SECRET, { algorithm: 'HS256', expiresIn: 600 });
  const [header, , signature] = valid.split('.');
  return [
    ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'mallory', roles: ['admin'], exp: inMinutes(10) } satisfies JwtPayload)}.`],
    [
      'alg none with a signature',
      `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'mallory', roles: ['admin'], exp: inMinutes(10) } satisfies JwtPayload)}.${signature}`,
    ],
    ['HS512', sign({ sub: 'mallory', roles: [] } satisfies JwtPayload, DEVELOPMENT_JWT_SECRET, { algorithm: 'HS512', expiresIn: 600 })],
    ['HS384', sign({ sub: 'mallory', roles: [] } satisfies JwtPayload, DEVELOPMENT_JWT_SECRET, { algorithm: 'HS384', expiresIn: 600 })],
    [
      'RS256 header over an HMAC (algorithm confusion)',
      `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ sub: 'mallory', exp: inMinutes(10) } satisfies JwtPayload)}.${signature}`,
    ],
    ['no exp', sign({ sub: 'mallory', roles: [] } satisfies JwtPayload, DEVELOPMENT_JWT_SECRET, { algorithm: 'HS256' })],
    ['exp as a string', signedRaw({ sub: 'mallory', exp: String(inMinutes(10)) } satisfies Record<string, unknown>)],
    ['expired', sign({ sub: 'mallory', roles: [], exp: inMinutes(-10) } satisfies JwtPayload, DEVELOPMENT_JWT_SECRET, { algorithm: 'HS256' })],
    [
      'wrong signature (another secret)',
      sign({ sub: 'mallory', roles: ['admin'] } satisfies JwtPayload, 'not-the-secret-but-long-enough', { algorithm: 'HS256', expiresIn: 600 }),
    ],
    ['payload swapped under a valid signature', `${header}.${b64({ sub: 'victim', roles: ['admin'], exp: inMinutes(10) } satisfies JwtPayload)}.${signature}`],
    ['no sub', sign({ roles: [] }, DEVELOPMENT_JWT_SECRET, { algorithm: 'HS256', expiresIn: 600 })],
    ['sub not a string', signedRaw({ sub: 42, exp: inMinutes(10) } satisfies Record<string, unknown>)],
    ['an empty sub', signedRaw({ sub: '', exp: inMinutes(10) } satisfies JwtPayload)],
    ['a NUL byte in sub', signedRaw({ sub: 'mallory\u0000', exp: inMinutes(10) } satisfies JwtPayload)],
    ['roles not an array of strings', signedRaw({ sub: 'mallory', roles: 'admin', exp: inMinutes(10) } satisfies JwtPayload)],
    [
      'not before in the future',
      sign({ sub: 'mallory' } satisfies JwtPayload, DEVELOPMENT_JWT_SECRET, { algorithm: 'HS256', expiresIn: 600, notBefore: 3600 }),
    ],
    [
      'a crit header naming an extension we do not understand (RFC 7515 §4.1.11)',
      signedWithHeader({ alg: 'HS256', typ: 'JWT', crit: ['x-bound'], 'x-bound': 1 }, { sub: 'mallory', exp: inMinutes(10) }),
    ],
    ['garbage', 'not.a.token'],
    ['two segments', `${header}.${b64({ sub: 'mallory' } satisfies JwtPayload)}`],
  ];
}

/** Authorization headers that are not a bearer token at all. */
export const MALFORMED_AUTHORIZATION: Array<[string, string]> = [
  ['Basic credentials', `Basic ${Buffer.from('alice:secret').toString('base64')}`],
  ['Bearer without a token', 'Bearer'],
  ['Bearer with a blank token', 'Bearer    '],
  ['a token without a scheme', 'eyJhbGciOiJIUzI1NiJ9.e30.c2ln'],
  ['two tokens', 'Bearer a.b.c d.e.f'],
  ['SQL', "Bearer ' OR '1'='1"],
];
