import 'reflect-metadata';
import { exitOnStartupFailure, loadConfig, runService } from '@orders/platform';
import { PaymentConfig } from './config/payment.config';
import { createPaymentApp, SERVICE } from './payment.app';

runService(SERVICE, loadConfig(PaymentConfig), createPaymentApp).catch(exitOnStartupFailure);
