import { HealthReport, ReadinessCheck, checkReadiness } from './health';

/** The set of dependencies a service needs before it takes work; modules add theirs at start. */
export class Readiness {
  private readonly checks: ReadinessCheck[] = [];
  private shuttingDown = false;

  add(check: ReadinessCheck): void {
    this.checks.push(check);
  }

  /** Once SIGTERM arrives the service stops being ready, so load balancers drain it first. */
  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  async report(): Promise<HealthReport> {
    const report = await checkReadiness(this.checks);
    if (this.shuttingDown) {
      report.status = 'unavailable';
      report.checks.shutdown = { status: 'down', error: 'shutting down', ms: 0 };
    }
    return report;
  }
}
