import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { type EnvelopeOf } from '@orders/events';
import { OnEvent } from '@orders/platform-messaging';
import { CatalogCache } from './catalog-cache.service';

@Controller()
export class CatalogHandler {
  constructor(private readonly cache: CatalogCache) {}

  /** Idempotent by revision: a redelivered or older snapshot changes nothing. */
  @OnEvent('ProductChanged')
  onProductChanged(@Payload() event: EnvelopeOf<'ProductChanged'>) {
    return this.cache.apply(event.payload);
  }
}
