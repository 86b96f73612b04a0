import 'reflect-metadata';
import { exitOnStartupFailure, loadConfig, runService } from '@orders/platform';
import { InventoryConfig } from './config/inventory.config';
import { createInventoryApp, SERVICE } from './inventory.app';

runService(SERVICE, loadConfig(InventoryConfig), createInventoryApp).catch(exitOnStartupFailure);
