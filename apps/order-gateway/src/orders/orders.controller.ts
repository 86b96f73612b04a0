import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Req, Res, UseInterceptors } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiProblems, Problems } from '@orders/platform-http';
import { type AuthenticatedUser, CurrentUser } from '@orders/platform-auth';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IDEMPOTENCY_KEY, idempotentRequest } from '../idempotency/idempotent-request';
import { CreateOrderDto } from './dto/create-order.dto';
import { ListOrdersQuery } from './dto/list-orders.query';
import { admittedKey, OrderAdmission } from './order-admission.interceptor';
import { OrderWaiter, preferredWaitSeconds } from './order-waiter';
import { OrderPageView, OrderView } from './order.view';
import { OrdersService } from './orders.service';

const PREFER_WAIT = ApiHeader({
  name: 'Prefer',
  required: false,
  description:
    'RFC 7240 `wait=N` (N ≤ 30): hold the answer until the order is CONFIRMED or CANCELLED or N seconds pass; answered with `Preference-Applied: wait=N`.',
  example: 'wait=10',
});
const PREFERENCE_APPLIED = { 'Preference-Applied': { description: 'Echoes `wait=N` when Prefer: wait was honoured.', schema: { type: 'string' } } };
const ORDER_ID = ApiParam({
  name: 'id',
  description: 'Order id (uuid). Any other value, or someone else’s order, is a 404.',
  example: '0b9d4c4e-7c1a-4f43-9a55-2f7c8d1e6a10',
});

@ApiTags('orders')
@ApiBearerAuth()
@Controller('orders')
export class OrdersController {
  constructor(
    private readonly orders: OrdersService,
    private readonly waiter: OrderWaiter,
  ) {}

  @Post()
  @HttpCode(202)
  @UseInterceptors(OrderAdmission)
  @ApiOperation({
    summary: 'Place an order',
    description:
      'Captures prices from the catalog and starts the saga. Idempotent per user and Idempotency-Key: a repeat with the same body replays the first response ' +
      '(`Idempotent-Replayed: true`), a different body is a 422, a repeat while the first is in flight is a 409. Keys are kept at least 24 h. ' +
      'Rate-limited per user (RATE_LIMIT_ORDERS_PER_MINUTE, default 60 per sliding minute, shared by all replicas).',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: true,
    description: '1-255 printable ASCII characters (0x20-0x7E), chosen by the client, unique per intended order.',
    example: 'order-2026-01-02-0001',
    schema: { type: 'string', minLength: 1, maxLength: 255, pattern: IDEMPOTENCY_KEY.source },
  })
  @PREFER_WAIT
  @ApiAcceptedResponse({
    type: OrderView,
    description: 'Order accepted (normally CREATED; later if Prefer: wait was given). Location points at it.',
    headers: {
      Location: { description: '/orders/{id}', schema: { type: 'string' } },
      'Idempotent-Replayed': { description: '`true` when this is the stored response of an earlier request with the same key.', schema: { type: 'string' } },
      ...PREFERENCE_APPLIED,
    },
  })
  @ApiProblems(
    Problems.ValidationFailed,
    Problems.IdempotencyRequestInFlight,
    Problems.UnknownSku,
    Problems.UnsupportedPaymentMethod,
    Problems.IdempotencyKeyReused,
    Problems.RateLimited,
  )
  async create(
    @CurrentUser() user: AuthenticatedUser,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Headers('prefer') prefer: string | undefined,
    @Body() input: CreateOrderDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OrderView> {
    const waitSeconds = preferredWaitSeconds(prefer);
    const hold = waitSeconds === null ? undefined : { seconds: waitSeconds, answer: (order: OrderView) => this.waitForTerminal(user, order, waitSeconds) };
    const idempotency = idempotentRequest(user.id, idempotencyKey, { method: 'POST', path: '/orders', body: request.body }, hold, admittedKey(request));
    const { answer: order, replayed } = await this.orders.createOrder(user, input, idempotency);
    void reply.header('Location', `/orders/${order.id}`);
    if (replayed) void reply.header('Idempotent-Replayed', 'true');
    else if (hold) void reply.header('Preference-Applied', `wait=${hold.seconds}`);
    return order;
  }

  @Get()
  @ApiOperation({ summary: "List the caller's orders", description: 'Newest first, keyset-paginated: the cursor is stable while new orders are placed.' })
  @ApiOkResponse({ type: OrderPageView })
  @ApiProblems(Problems.ValidationFailed)
  list(@CurrentUser() user: AuthenticatedUser, @Query() query: ListOrdersQuery) {
    return this.orders.listOrders(user, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read an order', description: 'The owner, or an admin, may read an order.' })
  @ORDER_ID
  @PREFER_WAIT
  @ApiOkResponse({ type: OrderView, headers: PREFERENCE_APPLIED })
  @ApiProblems(Problems.OrderNotFound)
  async get(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Headers('prefer') prefer: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const order = await this.orders.getOrder(user, id);
    return this.waitIfPreferred(user, prefer, reply, order);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Cancel an order',
    description: 'Accepted while the order is CREATED or RESERVED; its stock is released (USER_CANCELLED). Owner only.',
  })
  @ORDER_ID
  @PREFER_WAIT
  @ApiOkResponse({ type: OrderView, description: 'Cancellation accepted; the order as it now stands.', headers: PREFERENCE_APPLIED })
  @ApiProblems(Problems.OrderNotFound, Problems.OrderNotCancellable)
  async cancel(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Headers('prefer') prefer: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const order = await this.orders.cancelOrder(user, id);
    return this.waitIfPreferred(user, prefer, reply, order);
  }

  private async waitIfPreferred(user: AuthenticatedUser, prefer: string | undefined, reply: FastifyReply, order: OrderView): Promise<OrderView> {
    const seconds = preferredWaitSeconds(prefer);
    if (seconds === null) return order;
    void reply.header('Preference-Applied', `wait=${seconds}`);
    return this.waitForTerminal(user, order, seconds);
  }

  private waitForTerminal(user: AuthenticatedUser, order: OrderView, seconds: number): Promise<OrderView> {
    return this.waiter.waitForTerminal(order, seconds, () => this.orders.getOrder(user, order.id));
  }
}
