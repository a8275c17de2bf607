import { Kafka, logLevel, LogEntry } from 'kafkajs';
import type { KafkaSecurity } from '@lib/config';
import type { Logger } from '@lib/observability';
import { kafkaJsSecurity } from './security';

export interface KafkaConnection {
  brokers: string[];
  clientId: string;
  /** TLS and SASL (KAFKA_SECURITY_PROTOCOL…); none: plaintext. */
  security?: KafkaSecurity;
}

const LEVEL: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** The kafkajs client, its log lines routed into the service's JSON logger. */
export function createKafka(connection: KafkaConnection, logger: Logger): Kafka {
  const log = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: connection.clientId,
    brokers: connection.brokers,
    ...kafkaJsSecurity(connection.security),
    connectionTimeout: 3000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 300, retries: 8, maxRetryTime: 10_000 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, level, log: entry }: LogEntry) => {
        const { message, timestamp: _t, logger: _l, ...rest } = entry;
        log[LEVEL[level] ?? 'info']({ namespace, ...rest }, message);
      },
  });
}
