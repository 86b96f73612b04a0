import 'reflect-metadata';
import { exitOnStartupFailure, loadConfig, runService } from '@orders/platform';
import { GatewayConfig } from './config/gateway.config';
import { createGatewayApp, SERVICE } from './gateway.app';

runService(SERVICE, loadConfig(GatewayConfig), createGatewayApp).catch(exitOnStartupFailure);
