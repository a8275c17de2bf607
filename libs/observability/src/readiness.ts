import { HealthReport, ReadinessCheck, checkReadiness } from './health';

/** The set of dependencies a service needs before it takes work; modules add theirs at start. */
export class Readiness {
  private readonly checks: ReadinessCheck[] = [];
  private readonly stop = new AbortController();

  add(check: ReadinessCheck): void {
    this.checks.push(check);
  }

  /** Once SIGTERM arrives the service stops being ready, so load balancers drain it first. */
  markShuttingDown(): void {
    if (!this.stop.signal.aborted) this.stop.abort();
  }

  /** Aborted when the service starts stopping: start-up waits give up on it instead of delaying the stop. */
  get stopping(): AbortSignal {
    return this.stop.signal;
  }

  async report(): Promise<HealthReport> {
    const report = await checkReadiness(this.checks);
    if (this.stop.signal.aborted) {
      report.status = 'unavailable';
      report.checks.shutdown = { status: 'down', error: 'shutting down', ms: 0 };
    }
    return report;
  }
}
