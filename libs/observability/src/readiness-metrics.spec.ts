import { createMetrics, registerReadinessMetrics } from './metrics';
import { Readiness } from './readiness';

describe('readiness as metrics', () => {
  const setUp = () => {
    const metrics = createMetrics('sender');
    const readiness = new Readiness();
    let kafkaUp = true;
    let checks = 0;
    readiness.add({ name: 'postgres', check: async () => undefined });
    readiness.add({
      name: 'kafka',
      check: async () => {
        checks++;
        if (!kafkaUp) throw new Error('authentication failed');
      },
    });
    registerReadinessMetrics(metrics, readiness);
    return { metrics, readiness, down: () => (kafkaUp = false), checks: () => checks };
  };

  it('says 1 and each check up while /health would answer 200, one report per scrape', async () => {
    const { metrics, checks } = setUp();
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^service_ready\{service="sender"\} 1$/m);
    expect(text).toMatch(/^service_readiness_check_up\{check="kafka",service="sender"\} 1$/m);
    expect(text).toMatch(/^service_readiness_check_up\{check="postgres",service="sender"\} 1$/m);
    expect(checks()).toBe(1);
  });

  it('says 0 and which check is down, and 0 once stopping', async () => {
    const { metrics, readiness, down } = setUp();
    down();
    let text = await metrics.registry.metrics();
    expect(text).toMatch(/^service_ready\{service="sender"\} 0$/m);
    expect(text).toMatch(/^service_readiness_check_up\{check="kafka",service="sender"\} 0$/m);
    expect(text).toMatch(/^service_readiness_check_up\{check="postgres",service="sender"\} 1$/m);
    readiness.markShuttingDown();
    await new Promise((r) => setTimeout(r, 150));
    text = await metrics.registry.metrics();
    expect(text).toMatch(/^service_readiness_check_up\{check="shutdown",service="sender"\} 0$/m);
  });
});
