import { DynamicModule, Module } from '@nestjs/common';
import { Services } from '@orders/events';
import { inventoryMigrations } from '@orders/migrations/inventory-service';
import { PlatformModule } from '@orders/platform-service';
import { CatalogModule } from './catalog/catalog.module';
import { InventoryConfig } from './config/inventory.config';
import { ReservationsModule } from './reservations/reservations.module';

@Module({})
export class AppModule {
  static forRoot(config: InventoryConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ service: Services.InventoryService, schema: 'inventory', config, migrations: inventoryMigrations, redis: true }),
        CatalogModule,
        ReservationsModule,
      ],
    };
  }
}
