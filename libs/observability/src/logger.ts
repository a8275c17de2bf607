import pino, { DestinationStream, Logger } from 'pino';
import { scrub } from './personal-data';

export type { Logger } from 'pino';

/**
 * JSON logs on stdout, one line per event. Every object passed to a log call is scrubbed
 * (secrets removed, phones masked) before it is written, so a careless call cannot leak.
 */
export function createLogger(service: string, opts: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { service, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      messageKey: 'message',
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => scrub(object) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          // `logger.info('text', obj)` style from Nest: keep the extra argument, scrubbed.
          if (args.length > 1 && typeof args[0] === 'string') {
            const [msg, ...rest] = args;
            return method.apply(this, [{ args: scrub(rest) }, msg] as never);
          }
          return method.apply(this, args);
        },
      },
    },
    opts.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
