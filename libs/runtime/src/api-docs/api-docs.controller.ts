import { Controller, Get, Inject, NotFoundException, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { OpenApiDocument } from './openapi-document';
import { DOCS_ASSETS, DOCS_CONTENT_SECURITY_POLICY, docsPage } from './docs-page';

export const API_DOCUMENT = Symbol('API_DOCUMENT');

/** Where swagger-ui-dist is installed; required only when a page asset is asked for. */
function swaggerUiDirectory(): string {
  // Its index.js would load the whole bundle into the service; absolute-path.js is all we need.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('swagger-ui-dist/absolute-path.js') as () => string)();
}

/**
 * `GET /openapi.json` and the page `GET /docs` with its assets. No API key, like /health and
 * /metrics: the document holds no secret (only the names of the schemes).
 */
@Controller()
export class ApiDocsController {
  private readonly json: string;
  private readonly page: string;

  constructor(@Inject(API_DOCUMENT) document: OpenApiDocument) {
    this.json = JSON.stringify(document);
    this.page = docsPage(document.info.title);
  }

  @Get('openapi.json')
  async document(@Res() reply: FastifyReply): Promise<void> {
    await reply
      .header('Content-Type', 'application/json; charset=utf-8')
      .header('Cache-Control', 'no-cache')
      .send(this.json);
  }

  @Get('docs')
  async docs(@Res() reply: FastifyReply): Promise<void> {
    await reply
      .header('Content-Type', 'text/html; charset=utf-8')
      .header('Content-Security-Policy', DOCS_CONTENT_SECURITY_POLICY)
      .header('X-Content-Type-Options', 'nosniff')
      .send(this.page);
  }

  @Get('docs/:asset')
  async asset(@Param('asset') name: string, @Res() reply: FastifyReply): Promise<void> {
    const asset = Object.hasOwn(DOCS_ASSETS, name) ? DOCS_ASSETS[name] : undefined;
    if (!asset) throw new NotFoundException('no such asset');
    void reply
      .header('Content-Type', asset.type)
      .header('X-Content-Type-Options', 'nosniff')
      .header('Cache-Control', 'public, max-age=3600');
    await reply.send(asset.text ?? createReadStream(join(swaggerUiDirectory(), asset.file!)));
  }
}
