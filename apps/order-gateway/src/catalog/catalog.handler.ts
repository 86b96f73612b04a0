import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { EnvelopeOf, Events } from '@orders/events';
import { CatalogCache } from './catalog-cache.service';

@Controller()
export class CatalogHandler {
  constructor(private readonly cache: CatalogCache) {}

  /** Idempotent by revision: a redelivered or older snapshot changes nothing. */
  @EventPattern(Events.ProductChanged.type)
  onProductChanged(@Payload() event: EnvelopeOf<'ProductChanged'>) {
    return this.cache.apply(event.payload);
  }
}
