import { Static, Type } from '@sinclair/typebox';

/** A dependency readiness depends on (Kafka, PostgreSQL...). `check` throws when it is not usable. */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<void>;
}

/** The readiness answer (`GET /health`), also shown in the services' OpenAPI documents. */
export const HealthReportSchema = Type.Object(
  {
    status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
    /** Per dependency (kafka, postgres, …; `shutdown` once stopping). */
    checks: Type.Record(
      Type.String(),
      Type.Object({
        status: Type.Union([Type.Literal('up'), Type.Literal('down')]),
        error: Type.Optional(Type.String({ description: 'Why it is down.' })),
        ms: Type.Number({ minimum: 0, description: 'How long the check took.' }),
      }),
    ),
  },
  { $id: 'HealthReport' },
);
export type HealthReport = Static<typeof HealthReportSchema>;

/** The liveness answer (`GET /health/live`). */
export const LivenessSchema = Type.Object({ status: Type.Literal('ok') }, { $id: 'Liveness' });

/** Runs every check with a timeout, in parallel. */
export async function checkReadiness(checks: ReadinessCheck[], timeoutMs = 2000): Promise<HealthReport> {
  const entries = await Promise.all(
    checks.map(async (c) => {
      const started = Date.now();
      try {
        await withTimeout(c.check(), timeoutMs, `${c.name} check timed out after ${timeoutMs} ms`);
        return [c.name, { status: 'up' as const, ms: Date.now() - started }] as const;
      } catch (e) {
        return [c.name, { status: 'down' as const, error: (e as Error).message, ms: Date.now() - started }] as const;
      }
    }),
  );
  const report: HealthReport = { status: 'ok', checks: Object.fromEntries(entries) };
  if (entries.some(([, r]) => r.status === 'down')) report.status = 'unavailable';
  return report;
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]);
}
