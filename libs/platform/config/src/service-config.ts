import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';
import {
  KAFKA_SASL_MECHANISMS,
  KAFKA_SECURITY_PROTOCOLS,
  type KafkaSaslMechanism,
  kafkaSecurity,
  type KafkaSecurity,
  type KafkaSecurityProtocol,
} from './kafka-security';
import { TlsFiles, tlsFileProblems } from './tls-files';

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

  /**
   * The role migrations run as (owns the schema, alone does DDL). When set, DATABASE_URL's
   * role is the service's runtime role: the migration step creates or checks it and grants
   * it DML on the service's schema only. Unset: migrations run as DATABASE_URL's role.
   */
  @IsOptional()
  @IsString()
  @Matches(/^postgres(ql)?:\/\//)
  MIGRATION_DATABASE_URL?: string;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  DB_POOL_SIZE = 10;

  /**
   * Distinct SQL texts each connection prepares (named statements, parsed and planned once):
   * 0 turns them off for a pooler that does not track protocol-level prepared statements.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1000)
  DB_PREPARED_STATEMENTS = 256;

  @IsString()
  @Matches(/^rediss?:\/\//)
  REDIS_URL = 'redis://127.0.0.1:6379';

  /** With a `rediss://` REDIS_URL: the CA that signed Redis's certificate (default: the system's CAs). */
  @IsOptional()
  @IsString()
  REDIS_TLS_CA_FILE?: string;

  /** With `rediss://` and `tls-auth-clients`: this service's client certificate and key. */
  @IsOptional()
  @IsString()
  REDIS_TLS_CERT_FILE?: string;

  @IsOptional()
  @IsString()
  REDIS_TLS_KEY_FILE?: string;

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

  /** How to reach the brokers, in Kafka's terms (security.protocol). */
  @IsIn(KAFKA_SECURITY_PROTOCOLS)
  KAFKA_SECURITY_PROTOCOL: KafkaSecurityProtocol = 'PLAINTEXT';

  /** With SSL/SASL_SSL: the CA that signed the brokers' certificates (default: the system's CAs). */
  @IsOptional()
  @IsString()
  KAFKA_TLS_CA_FILE?: string;

  /** With SSL/SASL_SSL and client authentication: this service's certificate and key. */
  @IsOptional()
  @IsString()
  KAFKA_TLS_CERT_FILE?: string;

  @IsOptional()
  @IsString()
  KAFKA_TLS_KEY_FILE?: string;

  @ValidateIf((config: ServiceConfig) => config.KAFKA_SECURITY_PROTOCOL.startsWith('SASL_'))
  @IsIn(KAFKA_SASL_MECHANISMS)
  KAFKA_SASL_MECHANISM: KafkaSaslMechanism = 'SCRAM-SHA-512';

  @ValidateIf((config: ServiceConfig) => config.KAFKA_SECURITY_PROTOCOL.startsWith('SASL_'))
  @IsString()
  @MinLength(1)
  KAFKA_SASL_USERNAME?: string;

  @ValidateIf((config: ServiceConfig) => config.KAFKA_SECURITY_PROTOCOL.startsWith('SASL_'))
  @IsString()
  @MinLength(1)
  KAFKA_SASL_PASSWORD?: string;

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

  /**
   * Group commit of the consumer: transactions at once that each apply the units every partition
   * lane has ready at that moment (one BEGIN/COMMIT for several lanes' small batches); 0: off,
   * each lane commits its own units.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(64)
  KAFKA_GROUP_COMMIT_IN_FLIGHT = 2;

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

  /**
   * `true`: the HTTP port is opened with SO_REUSEPORT (Linux), so several processes of this
   * service on one host share it and the kernel spreads new connections over them: how one
   * host runs more than one gateway process (docs/scaling.md). Off by default, so a second
   * process started on a busy port by mistake fails instead of silently sharing it.
   */
  @IsIn(['true', 'false'])
  HTTP_REUSE_PORT: 'true' | 'false' = 'false';

  @IsString()
  @MinLength(16)
  AUTH_JWT_SECRET = DEVELOPMENT_JWT_SECRET;

  /**
   * The identity provider's JWKS: RS256/ES256 tokens are verified with its keys (issuer and
   * audience below are then required). With it, production accepts no HS256 token.
   */
  @IsOptional()
  @IsUrl({ protocols: ['https', 'http'], require_protocol: true, require_tld: false })
  AUTH_JWKS_URL?: string;

  @ValidateIf((config: ServiceConfig) => config.AUTH_JWKS_URL !== undefined)
  @IsString()
  @MinLength(1)
  AUTH_JWT_ISSUER?: string;

  @ValidateIf((config: ServiceConfig) => config.AUTH_JWKS_URL !== undefined)
  @IsString()
  @MinLength(1)
  AUTH_JWT_AUDIENCE?: string;

  /** Least time between two JWKS fetches triggered by tokens with an unknown key id. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  AUTH_JWKS_REFRESH_COOLDOWN_MS = 30_000;

  /**
   * How long consumed event ids are kept (the inbox, for dedupe). Must outlast Kafka's
   * retention of the topics: an event Kafka can still redeliver must still be recognised.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(24 * 365)
  INBOX_RETENTION_HOURS = 14 * 24;

  /** The saga topics' retention (retention.ms, set by create-topics): the inbox window must be longer. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(24 * 365)
  KAFKA_TOPIC_RETENTION_HOURS = 7 * 24;

  /** How long dead letters are kept in their `.dlq` topics (retention.ms, set by create-topics): time to inspect and redrive. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(24 * 365)
  KAFKA_DEAD_LETTER_RETENTION_HOURS = 30 * 24;

  /** How often the retention job prunes the tables that grow with traffic. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(86_400_000)
  RETENTION_INTERVAL_MS = 600_000;

  /** Rows per delete statement of the retention job. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(50_000)
  RETENTION_BATCH_SIZE = 1_000;

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

  /** TLS and SASL of every Kafka client of the service (nothing for PLAINTEXT). */
  get kafkaSecurity(): KafkaSecurity | undefined {
    return kafkaSecurity({
      protocol: this.KAFKA_SECURITY_PROTOCOL,
      tls: { caFile: this.KAFKA_TLS_CA_FILE, certFile: this.KAFKA_TLS_CERT_FILE, keyFile: this.KAFKA_TLS_KEY_FILE },
      sasl:
        this.KAFKA_SASL_USERNAME && this.KAFKA_SASL_PASSWORD
          ? { mechanism: this.KAFKA_SASL_MECHANISM, username: this.KAFKA_SASL_USERNAME, password: this.KAFKA_SASL_PASSWORD }
          : undefined,
    });
  }

  get redisTls(): TlsFiles | undefined {
    if (!this.REDIS_URL.startsWith('rediss://')) return undefined;
    return { caFile: this.REDIS_TLS_CA_FILE, certFile: this.REDIS_TLS_CERT_FILE, keyFile: this.REDIS_TLS_KEY_FILE };
  }

  get migrationDatabaseUrl(): string {
    return this.MIGRATION_DATABASE_URL ?? this.DATABASE_URL;
  }

  get redisSentinels(): { addresses: string[]; primaryName: string } | undefined {
    return this.REDIS_SENTINELS ? { addresses: this.REDIS_SENTINELS.split(','), primaryName: this.REDIS_SENTINEL_NAME } : undefined;
  }

  get isProduction(): boolean {
    return this.NODE_ENV === 'production';
  }

  /** Shared-secret tokens: always without an identity provider, and beside it outside production. */
  get acceptsHs256Tokens(): boolean {
    return !this.AUTH_JWKS_URL || !this.isProduction;
  }

  /** Cross-field rules class-validator cannot express. */
  extraProblems(): string[] {
    const problems: string[] = [];
    if (this.isProduction && this.acceptsHs256Tokens && this.AUTH_JWT_SECRET === DEVELOPMENT_JWT_SECRET) {
      problems.push('AUTH_JWT_SECRET: the development secret is refused when NODE_ENV=production');
    }
    problems.push(
      ...tlsFileProblems(
        { REDIS_TLS_CA_FILE: this.REDIS_TLS_CA_FILE, REDIS_TLS_CERT_FILE: this.REDIS_TLS_CERT_FILE, REDIS_TLS_KEY_FILE: this.REDIS_TLS_KEY_FILE },
        ['REDIS_TLS_CERT_FILE', 'REDIS_TLS_KEY_FILE'],
      ),
    );
    problems.push(
      ...tlsFileProblems(
        { KAFKA_TLS_CA_FILE: this.KAFKA_TLS_CA_FILE, KAFKA_TLS_CERT_FILE: this.KAFKA_TLS_CERT_FILE, KAFKA_TLS_KEY_FILE: this.KAFKA_TLS_KEY_FILE },
        ['KAFKA_TLS_CERT_FILE', 'KAFKA_TLS_KEY_FILE'],
      ),
    );
    if (this.isProduction && this.KAFKA_SECURITY_PROTOCOL === 'SASL_PLAINTEXT' && this.KAFKA_SASL_MECHANISM === 'PLAIN')
      problems.push('KAFKA_SASL_MECHANISM: PLAIN sends the password in clear; use SASL_SSL when NODE_ENV=production');
    if (this.INBOX_RETENTION_HOURS <= this.KAFKA_TOPIC_RETENTION_HOURS)
      problems.push('INBOX_RETENTION_HOURS: must be longer than KAFKA_TOPIC_RETENTION_HOURS, or a redelivered event could be applied twice');
    if (this.isProduction && this.AUTH_JWKS_URL?.startsWith('http:')) problems.push('AUTH_JWKS_URL: must be https when NODE_ENV=production');
    // Node refuses a server whose head may take longer than the whole request.
    if (this.HTTP_HEADERS_TIMEOUT_MS > this.HTTP_REQUEST_TIMEOUT_MS) {
      problems.push('HTTP_HEADERS_TIMEOUT_MS: must not be above HTTP_REQUEST_TIMEOUT_MS');
    }
    if (this.KAFKA_TOPIC_MIN_INSYNC_REPLICAS > this.KAFKA_TOPIC_REPLICATION_FACTOR) {
      problems.push('KAFKA_TOPIC_MIN_INSYNC_REPLICAS: must not exceed KAFKA_TOPIC_REPLICATION_FACTOR (no write could ever be acknowledged)');
    }
    return problems;
  }
}
