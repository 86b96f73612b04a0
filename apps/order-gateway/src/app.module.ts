import { DynamicModule, Module } from '@nestjs/common';
import { Services } from '@orders/events';
import { gatewayMigrations } from '@orders/migrations/order-gateway';
import { PlatformModule } from '@orders/platform-service';
import { CatalogModule } from './catalog/catalog.module';
import { GatewayConfig } from './config/gateway.config';
import { GatewayObservabilityModule } from './observability/observability.module';
import { OrdersModule } from './orders/orders.module';

@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({
          service: Services.OrderGateway,
          schema: 'gateway',
          config,
          migrations: gatewayMigrations,
          redis: true,
          retention: [{ table: 'idempotency_keys', column: 'created_at', keepHours: config.IDEMPOTENCY_RETENTION_HOURS }],
        }),
        CatalogModule,
        OrdersModule,
        GatewayObservabilityModule,
      ],
    };
  }
}
