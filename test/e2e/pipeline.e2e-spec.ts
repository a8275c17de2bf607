/**
 * The whole pipeline, black box, on the local stack: the three services as processes, driven
 * only through their public interfaces and checked against the WhatsApp simulator's record
 * (the scenario: test/support/pipeline-scenario.ts). About two minutes.
 */
import { Pipeline, startPipeline } from '../support/pipeline';
import { pipelineScenario } from '../support/pipeline-scenario';

let pipeline: Pipeline;

beforeAll(async () => {
  pipeline = await startPipeline({ label: 'e2e' });
});

afterAll(async () => {
  await pipeline?.stop();
});

pipelineScenario(() => pipeline);
