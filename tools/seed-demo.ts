import 'reflect-metadata';
import { loadConfig, ServiceConfig } from '@orders/platform-config';
import { JwtPayload, sign } from 'jsonwebtoken';

const DEMO_PRODUCTS = [
  { sku: 'DEMO-TSHIRT', name: 'T-shirt', priceCents: 1999, initialStock: 100 },
  { sku: 'DEMO-MUG', name: 'Coffee mug', priceCents: 1250, initialStock: 50 },
  { sku: 'DEMO-CAP', name: 'Baseball cap', priceCents: 2400, initialStock: 20 },
  { sku: 'DEMO-POSTER', name: 'Limited poster', priceCents: 4999, initialStock: 3 },
];

/** Loads demo products through the public API (idempotent: existing skus are kept). */
async function main(): Promise<void> {
  const config = loadConfig(ServiceConfig);
  const gateway = process.argv[2] ?? 'http://127.0.0.1:3000';
  const token = sign({ sub: 'demo-admin', roles: ['admin'] } satisfies JwtPayload, config.AUTH_JWT_SECRET, { algorithm: 'HS256', expiresIn: 300 });
  for (const product of DEMO_PRODUCTS) {
    const response = await fetch(`${gateway}/admin/products`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(product),
    });
    if (response.status === 201) console.log(`demo: created ${product.sku} (${product.initialStock} in stock)`);
    else if (response.status === 409) console.log(`demo: ${product.sku} already exists`);
    else throw new Error(`demo: ${product.sku}: ${response.status} ${await response.text()}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
