import { Kafka, logLevel, LogEntry } from 'kafkajs';
import { Logger } from '@nestjs/common';
import { KafkaSecurity } from './kafka-security';

const logger = new Logger('kafkajs');

function logCreator() {
  return ({ level, log }: LogEntry) => {
    // One line per event: the error's message is kept, its stack trace is not.
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    const { message, stack, ...extra } = log as LogEntry['log'] & { stack?: unknown };
    const line = `${message} ${JSON.stringify(extra)}`;
    if (level === logLevel.ERROR) logger.error(line);
    else if (level === logLevel.WARN) logger.warn(line);
  };
}

/**
 * A kafkajs client with retry settings that ride out a broker restart, and the TLS and
 * SASL settings of the cluster's listener (`ServiceConfig.kafkaSecurity`).
 */
export function createKafka(clientId: string, brokers: string[], security?: KafkaSecurity): Kafka {
  return new Kafka({
    clientId,
    brokers,
    ...security,
    logLevel: logLevel.WARN,
    logCreator,
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 200, maxRetryTime: 5_000, retries: 8 },
  });
}
