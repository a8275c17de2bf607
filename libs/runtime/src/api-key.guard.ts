import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Platform API keys (`Authorization: Bearer <key>`). Keys are compared as SHA-256 digests in
 * constant time, so neither the key nor its length leaks through timing.
 */
export class ApiKeys {
  private readonly digests: Buffer[];

  constructor(keys: string[]) {
    this.digests = keys.map(digest);
  }

  accepts(authorization: string | undefined): boolean {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) return false;
    const presented = digest(match[1]);
    let ok = false;
    for (const d of this.digests) ok = timingSafeEqual(d, presented) || ok; // no early exit
    return ok;
  }
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly keys: ApiKeys) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>();
    if (!this.keys.accepts(request.headers.authorization)) {
      throw new UnauthorizedException('missing or unknown API key (Authorization: Bearer <key>)');
    }
    return true;
  }
}
