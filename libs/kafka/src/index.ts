// kafkajs stays behind this folder: a later switch of client touches only libs/kafka.
export { BatchConsumer } from './batch-consumer';
export type { BatchConsumerOptions } from './batch-consumer';
export { waitForCaughtUp } from './catch-up';
export { createKafka } from './client';
export type { KafkaConnection } from './client';
export { deadLetterRecord } from './dead-letter';
export { RecordProducer } from './producer';
export type { BatchContext, BatchHandler, BatchResult, ConsumedRecord, DeadLetter, OutgoingRecord } from './records';
export { isTransientError, TransientError } from './transient-error';
export { KafkaService, KAFKA_OPTIONS } from './kafka.service';
export type { KafkaOptions } from './kafka.service';
export { KafkaModule } from './kafka.module';
export { describeConnectionFailure, isAuthenticationFailure, kafkaJsSecurity, tokenFileReader } from './security';
