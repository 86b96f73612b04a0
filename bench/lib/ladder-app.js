'use strict';
// Bench-only servers for the bottom rungs of the ladder of bare limits, each answering
// POST /orders with 202 and a small JSON body:
//   node-http      bare node:http (parses the JSON body)
//   nest-empty     Nest on the same Fastify adapter options as the gateway, empty handler
//   nest-validate  the same + the gateway's strict ValidationPipe on the real CreateOrderDto
//                  + HS256 token verification (what the gateway does before any SQL)
// Usage: node bench/lib/ladder-app.js <mode> <port>
require('reflect-metadata');
const { join } = require('node:path');
const ROOT = process.env.BENCH_APP_ROOT ?? join(__dirname, '../..');
const [mode, portArg] = process.argv.slice(2);
const port = Number(portArg);
const answer = JSON.stringify({ id: '00000000-0000-4000-8000-000000000000', status: 'CREATED' });

async function nodeHttp() {
  const http = require('node:http');
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      JSON.parse(body);
      res.writeHead(202, { 'content-type': 'application/json; charset=utf-8', location: '/orders/x' });
      res.end(answer);
    });
  });
  server.listen(port, '127.0.0.1');
}

async function nest(validate, keyObject = false) {
  const { Controller, Post, HttpCode, Body, Headers, Module, UnauthorizedException } = require('@nestjs/common');
  const { NestFactory } = require('@nestjs/core');
  const { FastifyAdapter } = require('@nestjs/platform-fastify');
  const { verify } = require('jsonwebtoken');
  const { strictValidationPipe } = require(join(ROOT, 'dist/libs/platform/service/src/http/create-http-app.js'));
  const { CreateOrderDto } = require(join(ROOT, 'dist/apps/order-gateway/src/orders/dto/create-order.dto.js'));
  // jsonwebtoken 9 given a string tries createPublicKey, then createSecretKey, on every call.
  const secret = keyObject ? require('node:crypto').createSecretKey(Buffer.from(process.env.BENCH_SECRET)) : process.env.BENCH_SECRET;

  class OrdersController {
    create(body, authorization) {
      if (validate) {
        try {
          verify(String(authorization).slice(7), secret, { algorithms: ['HS256'] });
        } catch {
          throw new UnauthorizedException();
        }
      }
      return { id: '00000000-0000-4000-8000-000000000000', status: 'CREATED' };
    }
  }
  // Decorators applied by hand (plain JS): @Controller('orders') @Post() @HttpCode(202) create(@Body() body: CreateOrderDto, @Headers('authorization'))
  Reflect.defineMetadata('design:paramtypes', [validate ? CreateOrderDto : Object, String], OrdersController.prototype, 'create');
  const descriptor = Object.getOwnPropertyDescriptor(OrdersController.prototype, 'create');
  Body()(OrdersController.prototype, 'create', 0);
  Headers('authorization')(OrdersController.prototype, 'create', 1);
  Post()(OrdersController.prototype, 'create', descriptor);
  HttpCode(202)(OrdersController.prototype, 'create', descriptor);
  Controller('orders')(OrdersController);
  class LadderModule {}
  Module({ controllers: [OrdersController] })(LadderModule);

  const adapter = new FastifyAdapter({ bodyLimit: 64 * 1024, trustProxy: true, return503OnClosing: true });
  const app = await NestFactory.create(LadderModule, adapter, { logger: ['error'] });
  if (validate) app.useGlobalPipes(strictValidationPipe());
  await app.listen(port, '127.0.0.1');
}

const modes = { 'node-http': nodeHttp, 'nest-empty': () => nest(false), 'nest-validate': () => nest(true), 'nest-validate-key': () => nest(true, true) };
modes[mode]()
  .then(() => process.send?.('ready'))
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
