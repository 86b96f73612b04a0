import { Module } from '@nestjs/common';
import { OrderSagaGauges } from './saga-gauges';

/** The gateway's own operational metrics, beside what the platform measures in every service. */
@Module({ providers: [OrderSagaGauges] })
export class GatewayObservabilityModule {}
