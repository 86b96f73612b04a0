import { Kafka, logLevel, LogEntry } from 'kafkajs';
import { Logger } from '@nestjs/common';
import { KafkaSecurity } from '@orders/platform-config';

const logger = new Logger('kafkajs');

/**
 * Broker answers that are part of every rebalance or coordinator move (kafkajs retries them by
 * itself): kafkajs logs them at error level, which would page an operator for routine work.
 */
const ROUTINE_GROUP_ANSWERS = [
  'The group is rebalancing, so a rejoin is needed', // REBALANCE_IN_PROGRESS
  "The coordinator is loading and hence can't process requests for this group", // GROUP_LOAD_IN_PROGRESS
  'The group coordinator is not available', // GROUP_COORDINATOR_NOT_AVAILABLE
  'This is not the correct coordinator for this group', // NOT_COORDINATOR_FOR_GROUP
  'Specified group generation id is not valid', // ILLEGAL_GENERATION
  'The coordinator is not aware of this member', // UNKNOWN_MEMBER_ID
];

/** The level a kafkajs log entry is written at: routine group answers are information. */
export function kafkaLogLevelOf(level: logLevel, log: Record<string, unknown>): 'error' | 'warn' | 'log' | null {
  if (level === logLevel.ERROR || level === logLevel.WARN) {
    if (typeof log.error === 'string' && ROUTINE_GROUP_ANSWERS.includes(log.error)) return 'log';
    return level === logLevel.ERROR ? 'error' : 'warn';
  }
  return null;
}

function logCreator() {
  return ({ level, log }: LogEntry) => {
    // One line per event: the error's message is kept, its stack trace is not.
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    const { message, stack, ...extra } = log as LogEntry['log'] & { stack?: unknown };
    const as = kafkaLogLevelOf(level, extra);
    if (as) logger[as](`${message} ${JSON.stringify(extra)}`);
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
