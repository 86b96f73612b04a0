import { DynamicModule, Inject, Injectable, Module, OnApplicationShutdown, Provider } from '@nestjs/common';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { ServiceName } from '@orders/events';
import type { Redis } from 'ioredis';
import { DataSource, MixedList } from 'typeorm';
import { AuthModule, AuthOptions } from '@orders/platform-auth';
import { createRedis } from '@orders/platform-redis';
import { ServiceConfig } from '@orders/platform-config';
import { dataSourceOptions, RETENTION_SETTINGS, RetentionJob, RetentionRule, RetentionSettings } from '@orders/platform-database';
import { ConsumerLagMonitor, DEFAULT_MESSAGING, KafkaProbe, MessagingModule, MessagingSettings, OutboxRelay } from '@orders/platform-messaging';
import { ServiceLogModule } from '@orders/platform-observability';
import { TracingShutdown } from './bootstrap';
import { HealthController } from './health/health.controller';
import { ShutdownDrain } from './health/shutdown-drain';
import { kafkaCheck, outboxRelayCheck, postgresCheck, READINESS_CHECKS, redisCheck } from './health/readiness';
import { MetricsModule } from './metrics/metrics.module';

export const REDIS = Symbol('REDIS');
export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');

interface PlatformOptions {
  service: ServiceName;
  /** The Postgres schema the service owns. */
  schema: string;
  config: ServiceConfig;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities?: MixedList<Function | string>;
  /** Whether the service keeps a Redis connection (and reports it in /ready). */
  redis: boolean;
  /** The service's own tables that grow with traffic (the inbox is always pruned). */
  retention?: RetentionRule[];
}

export function messagingSettingsOf(service: ServiceName, config: ServiceConfig): MessagingSettings {
  return {
    ...DEFAULT_MESSAGING,
    service,
    brokers: config.kafkaBrokers,
    security: config.kafkaSecurity,
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
    partitionsConsumedConcurrently: config.KAFKA_PARTITIONS_CONCURRENTLY,
    groupCommitInFlight: config.KAFKA_GROUP_COMMIT_IN_FLIGHT,
  };
}

function authOptionsOf(config: ServiceConfig): AuthOptions {
  return {
    jwtSecret: config.acceptsHs256Tokens ? config.AUTH_JWT_SECRET : undefined,
    jwks: config.AUTH_JWKS_URL
      ? {
          url: config.AUTH_JWKS_URL,
          issuer: config.AUTH_JWT_ISSUER ?? '',
          audience: config.AUTH_JWT_AUDIENCE ?? '',
          refreshCooldownMs: config.AUTH_JWKS_REFRESH_COOLDOWN_MS,
        }
      : undefined,
  };
}

@Injectable()
class RedisLifecycle implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => {
      this.redis.disconnect();
    });
  }
}

/**
 * What every service has: config, JSON logs, /metrics, its own Postgres schema, the
 * outbox/inbox and Kafka transport, JWT auth, /health and /ready.
 */
@Module({})
export class PlatformModule {
  static forRoot(options: PlatformOptions): DynamicModule {
    const { config, service } = options;
    const redisProviders: Provider[] = options.redis
      ? [
          {
            provide: REDIS,
            useFactory: () => createRedis(config.REDIS_URL, config.REDIS_KEY_PREFIX, service, { tls: config.redisTls, sentinels: config.redisSentinels }),
          },
          RedisLifecycle,
        ]
      : [];
    return {
      module: PlatformModule,
      global: true,
      imports: [
        ServiceLogModule.forService({ service, level: config.LOG_LEVEL, pretty: config.NODE_ENV === 'development' && process.stdout.isTTY }),
        MetricsModule.forRoot(),
        TypeOrmModule.forRoot(
          dataSourceOptions({
            url: config.DATABASE_URL,
            schema: options.schema,
            poolSize: config.DB_POOL_SIZE,
            preparedStatements: config.DB_PREPARED_STATEMENTS,
            applicationName: service,
            migrations: options.migrations,
            entities: options.entities,
          }),
        ),
        MessagingModule.forRoot(messagingSettingsOf(service, config)),
        AuthModule.forRoot(authOptionsOf(config)),
      ],
      controllers: [HealthController],
      providers: [
        { provide: SERVICE_CONFIG, useValue: config },
        TracingShutdown,
        { provide: ShutdownDrain, useFactory: () => new ShutdownDrain(config.SHUTDOWN_DRAIN_MS) },
        ...redisProviders,
        ConsumerLagMonitor,
        {
          provide: RETENTION_SETTINGS,
          useValue: {
            service,
            rules: [{ table: 'processed_events', column: 'processed_at', keepHours: config.INBOX_RETENTION_HOURS }, ...(options.retention ?? [])],
            intervalMs: config.RETENTION_INTERVAL_MS,
            batchSize: config.RETENTION_BATCH_SIZE,
          } satisfies RetentionSettings,
        },
        RetentionJob,
        {
          provide: READINESS_CHECKS,
          inject: [getDataSourceToken(), KafkaProbe, OutboxRelay, ...(options.redis ? [REDIS] : [])],
          useFactory: (dataSource: DataSource, kafka: KafkaProbe, relay: OutboxRelay, redis?: Redis) => [
            postgresCheck(dataSource),
            ...(redis ? [redisCheck(redis)] : []),
            kafkaCheck(kafka),
            outboxRelayCheck(relay),
          ],
        },
      ],
      exports: [SERVICE_CONFIG, RetentionJob, ...(options.redis ? [REDIS] : [])],
    };
  }
}
