import 'reflect-metadata';
import { exitOnStartupFailure, runService } from '@orders/platform-service';
import { loadConfig } from '@orders/platform-config';
import { InventoryConfig } from './config/inventory.config';
import { createInventoryApp, SERVICE } from './inventory.app';

runService(SERVICE, loadConfig(InventoryConfig), createInventoryApp).catch(exitOnStartupFailure);
