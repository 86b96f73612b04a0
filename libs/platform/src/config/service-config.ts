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

  /** Comma-separated host:port list. */
  @IsString()
  @Matches(/^[^,\s]+(,[^,\s]+)*$/)
  KAFKA_BROKERS = '127.0.0.1:9092';

  /** Prefix of every topic and consumer group (lets several environments share one cluster). */
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{0,64}$/)
  KAFKA_TOPIC_PREFIX = '';

  /** Partitions of one topic consumed at the same time by this process. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(64)
  KAFKA_PARTITIONS_CONCURRENTLY = 6;

  /**
   * HTTP server bounds, so a slow or stalled client cannot hold a connection forever:
   * the request head must arrive within HTTP_HEADERS_TIMEOUT_MS and the whole request
   * (head and body) within HTTP_REQUEST_TIMEOUT_MS, else 408 and the connection closes;
   * an idle keep-alive connection closes after HTTP_KEEP_ALIVE_TIMEOUT_MS (above common load
   * balancers' 60 s idle timeout), and any connection silent for HTTP_IDLE_TIMEOUT_MS (more
   * than the longest `Prefer: wait`, 30 s) is closed.
   */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(600_000)
  HTTP_HEADERS_TIMEOUT_MS = 10_000;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(600_000)
  HTTP_REQUEST_TIMEOUT_MS = 30_000;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(600_000)
  HTTP_KEEP_ALIVE_TIMEOUT_MS = 72_000;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  HTTP_IDLE_TIMEOUT_MS = 120_000;

  @IsString()
  @MinLength(16)
  AUTH_JWT_SECRET = DEVELOPMENT_JWT_SECRET;

  /** OTLP/HTTP endpoint for traces; tracing records nothing without it. */
  @IsOptional()
  @IsString()
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  get kafkaBrokers(): string[] {
    return this.KAFKA_BROKERS.split(',');
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
    // Node refuses a server whose head may take longer than the whole request.
    if (this.HTTP_HEADERS_TIMEOUT_MS > this.HTTP_REQUEST_TIMEOUT_MS) {
      problems.push('HTTP_HEADERS_TIMEOUT_MS: must not be above HTTP_REQUEST_TIMEOUT_MS');
    }
    return problems;
  }
}
