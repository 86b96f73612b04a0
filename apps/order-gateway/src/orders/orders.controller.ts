import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { AuthenticatedUser, CurrentUser, ValidationFailed } from '@orders/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { requestFingerprint } from '../idempotency/fingerprint';
import { CreateOrderDto } from './dto/create-order.dto';
import { ListOrdersQuery } from './dto/list-orders.query';
import { OrderWaiter, preferredWaitSeconds } from './order-waiter';
import { OrderView } from './order.view';
import { OrdersService } from './orders.service';

const IDEMPOTENCY_KEY = /^[\x20-\x7E]{1,255}$/;

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
  @ApiHeader({ name: 'Idempotency-Key', required: true, description: '1-255 printable ASCII characters, unique per request.' })
  @ApiHeader({ name: 'Prefer', required: false, description: 'wait=N (N ≤ 30): hold the answer until the order is terminal or N seconds pass.' })
  @ApiAcceptedResponse({ type: OrderView, description: 'Order accepted; Location points at it.' })
  @ApiConflictResponse({ description: 'A request with this Idempotency-Key is still in flight.' })
  @ApiUnprocessableEntityResponse({ description: 'Unknown sku, or Idempotency-Key reused with a different body.' })
  async create(
    @CurrentUser() user: AuthenticatedUser,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Headers('prefer') prefer: string | undefined,
    @Body() input: CreateOrderDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OrderView> {
    if (typeof idempotencyKey !== 'string' || !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new ValidationFailed([{ field: 'Idempotency-Key', message: 'header is required: 1-255 printable ASCII characters' }]);
    }
    const result = await this.orders.createOrder({
      user,
      idempotencyKey,
      fingerprint: requestFingerprint('POST', '/orders', request.body),
      order: input,
    });
    void reply.status(result.status).header('Location', `/orders/${result.order.id}`);
    if (result.replayed) {
      void reply.header('Idempotent-Replayed', 'true');
      return result.order;
    }
    return this.waitIfPreferred(prefer, reply, result.order, () => this.orders.getOrder(user, result.order.id));
  }

  @Get()
  @ApiOkResponse({ description: '{ items: Order[], nextCursor: string | null }' })
  list(@CurrentUser() user: AuthenticatedUser, @Query() query: ListOrdersQuery) {
    return this.orders.listOrders(user, query);
  }

  @Get(':id')
  @ApiOkResponse({ type: OrderView })
  @ApiNotFoundResponse({ description: 'Unknown order, or someone else’s.' })
  async get(@CurrentUser() user: AuthenticatedUser, @Param('id') id: string, @Headers('prefer') prefer: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    const order = await this.orders.getOrder(user, id);
    return this.waitIfPreferred(prefer, reply, order, () => this.orders.getOrder(user, id));
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOkResponse({ type: OrderView })
  @ApiConflictResponse({ description: 'The order is already PAID, CONFIRMED or CANCELLED.' })
  @ApiNotFoundResponse({ description: 'Unknown order, or someone else’s.' })
  async cancel(@CurrentUser() user: AuthenticatedUser, @Param('id') id: string, @Headers('prefer') prefer: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    const order = await this.orders.cancelOrder(user, id);
    return this.waitIfPreferred(prefer, reply, order, () => this.orders.getOrder(user, id));
  }

  private async waitIfPreferred(prefer: string | undefined, reply: FastifyReply, order: OrderView, read: () => Promise<OrderView>): Promise<OrderView> {
    const seconds = preferredWaitSeconds(prefer);
    if (seconds === null) return order;
    void reply.header('Preference-Applied', `wait=${seconds}`);
    return this.waiter.waitForTerminal(order, seconds, read);
  }
}
