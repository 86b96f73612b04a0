import 'reflect-metadata';
import { exitOnStartupFailure, runService } from '@orders/platform-service';
import { loadConfig } from '@orders/platform-config';
import { GatewayConfig } from './config/gateway.config';
import { createGatewayApp, SERVICE } from './gateway.app';

runService(SERVICE, loadConfig(GatewayConfig), createGatewayApp).catch(exitOnStartupFailure);
