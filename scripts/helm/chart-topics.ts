/**
 * The Helm chart's topic list (deploy/helm/cart-recovery/files/topics.json), written from the
 * contracts (libs/contracts/src/topics.ts) so the chart's topic Job creates exactly what the
 * services, the local stack and docker-compose create: `npm run chart:files` writes it, and a
 * unit test (deploy/helm/chart.spec.ts) fails when it is out of date.
 */
import { join } from 'node:path';
import { allTopics, topicReplication } from '../../libs/contracts/src/topics';

export const CHART_TOPICS_FILE = join(__dirname, '../../deploy/helm/cart-recovery/files/topics.json');

/** Cluster sizes whose layouts differ (three and more brokers share the last one). */
const CLUSTER_SIZES = [1, 2, 3] as const;

export function chartTopics(): string {
  const layouts = Object.fromEntries(
    CLUSTER_SIZES.map((brokers) => [
      String(brokers),
      {
        ...topicReplication(brokers),
        topics: allTopics('', { brokers }).map(({ name, config }) => ({ name, config })),
      },
    ]),
  );
  const file = {
    $comment: 'Generated from libs/contracts/src/topics.ts by `npm run chart:files`; do not edit.',
    layouts,
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}
