import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';

export const DEVELOPMENT_JWT_SECRET = 'dev-only-secret-change-me';

/** Settings every service shares. Each app extends it with its own. */
export class ServiceConfig {
  @IsIn(['development', 'test', 'production'])
  NODE_ENV: 'development' | 'test' | 'production' = 'development';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  @Matches(/^postgres(ql)?:\/\//)
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/orders';

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  DB_POOL_SIZE = 10;

  @IsString()
  @Matches(/^rediss?:\/\//)
  REDIS_URL = 'redis://127.0.0.1:6379';

  /** Prefix of every Redis key (lets several environments share one Redis). */
  @IsString()
  @MaxLength(64)
  REDIS_KEY_PREFIX = '';

  /**
   * Redis Sentinel (host:port,host:port,...): when set, the client asks these for the primary
   * named REDIS_SENTINEL_NAME and follows failovers; REDIS_URL then gives only password and db.
   */
  @IsOptional()
  @Matches(/^([^,\s:]+:[0-9]+(,[^,\s:]+:[0-9]+)*)?$/)
  REDIS_SENTINELS?: string;

  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,64}$/)
  REDIS_SENTINEL_NAME = 'orders';

  /** Comma-separated host:port list. */
  @IsString()
  @Matches(/^[^,\s]+(,[^,\s]+)*$/)
  KAFKA_BROKERS = '127.0.0.1:9092';

  /** Prefix of every topic and consumer group (lets several environments share one cluster). */
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{0,64}$/)
  KAFKA_TOPIC_PREFIX = '';

  /**
   * Replicas of each topic the topic job creates (create-topics; existing topics are left as
   * they are): 3 on a production cluster, so a broker can fail without losing an event.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(7)
  KAFKA_TOPIC_REPLICATION_FACTOR = 1;

  /** Replicas that must have an event before a producer (acks=all) is told it is written. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(7)
  KAFKA_TOPIC_MIN_INSYNC_REPLICAS = 1;

  /** Partitions of one topic consumed at the same time by this process. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(64)
  KAFKA_PARTITIONS_CONCURRENTLY = 6;

  @IsString()
  @MinLength(16)
  AUTH_JWT_SECRET = DEVELOPMENT_JWT_SECRET;

  /**
   * On SIGTERM, how long `/ready` answers 503 while requests are still served, before the
   * shutdown goes on: at least the readiness probe period of whatever routes traffic here.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(60_000)
  SHUTDOWN_DRAIN_MS = 0;

  /** OTLP/HTTP endpoint for traces; tracing records nothing without it. */
  @IsOptional()
  @IsString()
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  get kafkaBrokers(): string[] {
    return this.KAFKA_BROKERS.split(',');
  }

  get redisSentinels(): { addresses: string[]; primaryName: string } | undefined {
    return this.REDIS_SENTINELS ? { addresses: this.REDIS_SENTINELS.split(','), primaryName: this.REDIS_SENTINEL_NAME } : undefined;
  }

  get isProduction(): boolean {
    return this.NODE_ENV === 'production';
  }

  /** Cross-field rules class-validator cannot express. */
  extraProblems(): string[] {
    const problems: string[] = [];
    if (this.isProduction && this.AUTH_JWT_SECRET === DEVELOPMENT_JWT_SECRET) {
      problems.push('AUTH_JWT_SECRET: the development secret is refused when NODE_ENV=production');
    }
    if (this.KAFKA_TOPIC_MIN_INSYNC_REPLICAS > this.KAFKA_TOPIC_REPLICATION_FACTOR) {
      problems.push('KAFKA_TOPIC_MIN_INSYNC_REPLICAS: must not exceed KAFKA_TOPIC_REPLICATION_FACTOR (no write could ever be acknowledged)');
    }
    return problems;
  }
}
