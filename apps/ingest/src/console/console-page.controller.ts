import { Controller, Get, Inject, NotFoundException, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { IngestConfig } from '../config';
import { INGEST_CONFIG } from '../tokens';
import { consoleSecurityHeaders } from './console-headers';

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
};
// Only the built files' names: no path ever reaches the file system from a request.
const ASSET = /^[a-z0-9-]+(\.[a-z0-9]+)*\.(js|css|svg)$/;

/**
 * The console's page and its built assets (`npm run build` → `CONSOLE_ASSETS_DIR`), each
 * with the console's security headers. The page carries no token: it reads it from the
 * link's fragment.
 */
@Controller('console')
export class ConsolePageController {
  private readonly headers: Record<string, string>;
  private readonly files = new Map<string, Buffer>();

  constructor(@Inject(INGEST_CONFIG) private readonly config: IngestConfig) {
    this.headers = consoleSecurityHeaders(config.CONSOLE_FRAME_ANCESTORS);
  }

  @Get()
  page(@Res() reply: FastifyReply) {
    return this.send(reply, 'index.html');
  }

  @Get('assets/:file')
  asset(@Param('file') file: string, @Res() reply: FastifyReply) {
    if (!ASSET.test(file)) throw new NotFoundException();
    return this.send(reply, `assets/${file}`);
  }

  private async send(reply: FastifyReply, file: string): Promise<void> {
    let bytes = this.files.get(file);
    if (!bytes) {
      try {
        bytes = await readFile(resolve(this.config.CONSOLE_ASSETS_DIR, file));
      } catch {
        throw new NotFoundException(
          file === 'index.html' ? 'the console is not built (npm run build writes it)' : undefined,
        );
      }
      this.files.set(file, bytes);
    }
    await reply.headers(this.headers).type(TYPES[file.split('.').pop()!]).send(bytes);
  }
}
