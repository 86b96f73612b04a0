import { Module } from '@nestjs/common';
import { OrderCreationRateLimit } from './order-creation-rate-limit.guard';
import { SlidingWindowLimiter } from './sliding-window.limiter';

@Module({
  providers: [SlidingWindowLimiter, OrderCreationRateLimit],
  exports: [SlidingWindowLimiter, OrderCreationRateLimit],
})
export class RateLimitModule {}
