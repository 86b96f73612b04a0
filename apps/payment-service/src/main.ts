import 'reflect-metadata';
import { exitOnStartupFailure, runService } from '@orders/platform-service';
import { loadConfig } from '@orders/platform-config';
import { PaymentConfig } from './config/payment.config';
import { createPaymentApp, SERVICE } from './payment.app';

runService(SERVICE, loadConfig(PaymentConfig), createPaymentApp).catch(exitOnStartupFailure);
