import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { REFUSAL_MESSAGES, verifyConsoleToken } from './console-token';
import type { ConsoleSigningKeys } from './console-token';

/** What a service verifies console tokens with; no keys: every console request is refused. */
export class ConsoleAccess {
  constructor(
    readonly keys: ConsoleSigningKeys | undefined,
    readonly now: () => Date = () => new Date(),
  ) {}
}

/** The store a verified console token speaks for, set on the request by the guard. */
export const CONSOLE_STORE = Symbol('console store');

interface GuardedRequest {
  headers: Record<string, string | undefined>;
  params?: Record<string, string | undefined>;
  [CONSOLE_STORE]?: string;
}

/**
 * Console routes (`…/stores/:storeId/…`): a valid console token (Authorization: Bearer) for
 * exactly the store of the path. Refusals say why (401), a token of another store is 403.
 */
@Injectable()
export class ConsoleTokenGuard implements CanActivate {
  constructor(private readonly access: ConsoleAccess) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<GuardedRequest>();
    if (!this.access.keys) throw new UnauthorizedException('the console is not configured (CONSOLE_SIGNING_KEYS)');
    const check = verifyConsoleToken(this.access.keys, request.headers.authorization, { now: this.access.now() });
    if (!check.ok) {
      throw new UnauthorizedException({
        statusCode: 401,
        message: REFUSAL_MESSAGES[check.reason],
        reason: check.reason,
      });
    }
    if (request.params?.storeId !== check.storeId) {
      throw new ForbiddenException('this console token is for another store');
    }
    request[CONSOLE_STORE] = check.storeId;
    return true;
  }
}
