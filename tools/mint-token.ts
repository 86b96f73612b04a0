import 'reflect-metadata';
import { loadConfig, ServiceConfig } from '@orders/platform-config';
import { JwtPayload, sign } from 'jsonwebtoken';

/**
 * Development tokens: `npm run token -- <user-id> [admin] [--ttl 3600]`.
 * Signs with AUTH_JWT_SECRET (the development default unless set).
 */
function main(): void {
  const args = process.argv.slice(2);
  const ttlIndex = args.indexOf('--ttl');
  const ttl = ttlIndex >= 0 ? Number(args.splice(ttlIndex, 2)[1]) : 3600;
  const [userId = 'user-1', ...roles] = args;
  const config = loadConfig(ServiceConfig);
  process.stdout.write(`${sign({ sub: userId, roles } satisfies JwtPayload, config.AUTH_JWT_SECRET, { algorithm: 'HS256', expiresIn: ttl })}\n`);
}

main();
