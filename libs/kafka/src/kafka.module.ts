import { DynamicModule, Global, Module } from '@nestjs/common';
import { KAFKA_OPTIONS, KafkaOptions, KafkaService } from './kafka.service';

@Global()
@Module({})
export class KafkaModule {
  static forRoot(options: KafkaOptions): DynamicModule {
    return {
      module: KafkaModule,
      providers: [{ provide: KAFKA_OPTIONS, useValue: options }, KafkaService],
      exports: [KafkaService],
    };
  }
}
