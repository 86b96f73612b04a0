import type { SASLOptions } from 'kafkajs';
import type { ConnectionOptions } from 'node:tls';
import { readTlsFiles, TlsFiles } from './tls-files';

/** How a client proves itself to the cluster and verifies it (kafkajs `ssl` and `sasl`). */
export interface KafkaSecurity {
  ssl?: ConnectionOptions;
  sasl?: SASLOptions;
}

export const KAFKA_SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type KafkaSecurityProtocol = (typeof KAFKA_SECURITY_PROTOCOLS)[number];
export const KAFKA_SASL_MECHANISMS = ['SCRAM-SHA-512', 'SCRAM-SHA-256', 'PLAIN'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

interface KafkaSecuritySettings {
  /** Kafka's own names (security.protocol): TLS for SSL and SASL_SSL, SASL for SASL_*. */
  protocol: KafkaSecurityProtocol;
  tls: TlsFiles;
  sasl?: { mechanism: KafkaSaslMechanism; username: string; password: string };
}

/**
 * The client side of the cluster's listener: TLS verifying the brokers against the CA (and
 * their host names), optionally with a client certificate; SASL SCRAM or PLAIN credentials.
 */
export function kafkaSecurity(settings: KafkaSecuritySettings): KafkaSecurity | undefined {
  const tls = settings.protocol === 'SSL' || settings.protocol === 'SASL_SSL';
  const sasl = settings.protocol.startsWith('SASL_') ? settings.sasl : undefined;
  if (!tls && !sasl) return undefined;
  return {
    ...(tls ? { ssl: { ...readTlsFiles(settings.tls), rejectUnauthorized: true } } : {}),
    ...(sasl ? { sasl: saslOptions(sasl) } : {}),
  };
}

function saslOptions({ mechanism, username, password }: NonNullable<KafkaSecuritySettings['sasl']>): SASLOptions {
  switch (mechanism) {
    case 'SCRAM-SHA-512':
      return { mechanism: 'scram-sha-512', username, password };
    case 'SCRAM-SHA-256':
      return { mechanism: 'scram-sha-256', username, password };
    case 'PLAIN':
      return { mechanism: 'plain', username, password };
  }
}
