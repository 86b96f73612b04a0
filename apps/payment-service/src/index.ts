// What the system e2e tests (and only they) use to run this service in-process.
export { createPaymentApp } from './payment.app';
export { PaymentConfig } from './config/payment.config';
export { migratePayment } from './migrate';
