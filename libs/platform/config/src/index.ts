// Typed configuration read from the environment and validated once at start-up, and the TLS
// and Kafka security settings derived from it.
export { ConfigError, loadConfig } from './load-config';
export { DEVELOPMENT_JWT_SECRET, ServiceConfig } from './service-config';
export { type KafkaSecurity } from './kafka-security';
export { readTlsFiles, type TlsFiles } from './tls-files';
