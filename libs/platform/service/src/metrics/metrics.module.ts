import { DynamicModule, Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { register } from 'prom-client';
import { MetricsController } from './metrics.controller';

@Module({})
export class MetricsModule {
  static forRoot(): DynamicModule {
    // Default process metrics once per process (several apps share it in e2e tests).
    const defaultsRegistered = register.getSingleMetric('process_cpu_user_seconds_total') !== undefined;
    return {
      module: MetricsModule,
      imports: [PrometheusModule.register({ path: '/metrics', controller: MetricsController, defaultMetrics: { enabled: !defaultsRegistered } })],
    };
  }
}
