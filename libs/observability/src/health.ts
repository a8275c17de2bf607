/** A dependency readiness depends on (Kafka, PostgreSQL...). `check` throws when it is not usable. */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<void>;
}

export interface HealthReport {
  status: 'ok' | 'unavailable';
  checks: Record<string, { status: 'up' | 'down'; error?: string; ms: number }>;
}

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
