import { Readiness } from './readiness';

describe('Readiness', () => {
  it('is ready while its checks pass, and unavailable once the service starts stopping, whatever they say', async () => {
    const readiness = new Readiness();
    readiness.add({ name: 'db', check: async () => undefined });
    expect((await readiness.report()).status).toBe('ok');
    expect(readiness.stopping.aborted).toBe(false);

    const aborted = new Promise((resolve) => readiness.stopping.addEventListener('abort', resolve));
    readiness.markShuttingDown();
    readiness.markShuttingDown(); // a second signal changes nothing
    await aborted;
    expect(readiness.stopping.aborted).toBe(true);
    const report = await readiness.report();
    expect(report.status).toBe('unavailable');
    expect(report.checks.shutdown).toMatchObject({ status: 'down', error: 'shutting down' });
  });

  it('names a failing check', async () => {
    const readiness = new Readiness();
    readiness.add({ name: 'kafka', check: async () => Promise.reject(new Error('broker down')) });
    const report = await readiness.report();
    expect(report.status).toBe('unavailable');
    expect(report.checks.kafka).toMatchObject({ status: 'down', error: expect.stringContaining('broker down') });
  });
});
