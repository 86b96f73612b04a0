import { Module } from '@nestjs/common';
import { OrderRateLimit } from './order-rate-limit';
import { SlidingWindowLimiter } from './sliding-window.limiter';

@Module({
  providers: [SlidingWindowLimiter, OrderRateLimit],
  exports: [SlidingWindowLimiter, OrderRateLimit],
})
export class RateLimitModule {}
