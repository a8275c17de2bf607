import { DynamicModule, Module } from '@nestjs/common';
import { API_DOCUMENT, ApiDocsController } from './api-docs.controller';
import type { OpenApiDocument } from './openapi-document';

/** Serves a service's OpenAPI document at /openapi.json and as a page at /docs. */
@Module({})
export class ApiDocsModule {
  static forRoot(document: OpenApiDocument): DynamicModule {
    return {
      module: ApiDocsModule,
      controllers: [ApiDocsController],
      providers: [{ provide: API_DOCUMENT, useValue: document }],
    };
  }
}
