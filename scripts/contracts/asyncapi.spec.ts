import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { parse } from 'yaml';
import { allTopics, DLQ_HEADER, dlqTopicOf, PUBLISHED_SCHEMAS, TOPIC } from '@lib/contracts';
import { asyncApiDocument, asyncApiYaml, publishedSchemaComponents } from './asyncapi';

const file = join(__dirname, '../../docs/api/asyncapi.yaml');

interface Channel {
  address: string;
  messages: Record<string, { $ref: string }>;
  bindings: { kafka: { topic: string; replicas: number; topicConfiguration: Record<string, unknown> } };
}
interface Doc {
  channels: Record<string, Channel>;
  operations: Record<string, { action: string; channel: { $ref: string } }>;
  components: {
    schemas: Record<string, unknown>;
    messages: Record<string, { payload: unknown; headers?: { properties: Record<string, unknown> } }>;
  };
}

describe('docs/api/asyncapi.yaml', () => {
  const committed = readFileSync(file, 'utf8');
  const doc = parse(committed) as Doc;

  it('is what scripts/contracts/asyncapi.ts generates (run `npm run contracts:asyncapi` after a contract change)', () => {
    expect(committed).toBe(asyncApiYaml());
    expect(doc).toEqual(asyncApiDocument());
  });

  it('is a valid AsyncAPI 3 document for @asyncapi/parser (no error diagnostics)', async () => {
    const { document, diagnostics } = await new Parser().parse(committed);
    const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error);
    expect(errors.map((d) => `${d.path.join('.')}: ${d.message}`)).toEqual([]);
    expect(document).toBeDefined();
    expect(document!.version()).toBe('3.0.0');
    expect(document!.channels().length).toBe(allTopics().length);
  }, 60_000);

  it('has a channel for every topic of allTopics() with its replication and configuration', () => {
    const byAddress = new Map(Object.values(doc.channels).map((c) => [c.address, c]));
    expect([...byAddress.keys()].sort()).toEqual(
      allTopics()
        .map((t) => t.name)
        .sort(),
    );
    for (const t of allTopics('', { brokers: 3 })) {
      const kafka = byAddress.get(t.name)!.bindings.kafka;
      expect(kafka.topic).toBe(t.name);
      expect(kafka.replicas).toBe(t.replicationFactor);
      expect(kafka.topicConfiguration['cleanup.policy']).toEqual([t.config['cleanup.policy'] ?? 'delete']);
      for (const [k, v] of Object.entries(t.config)) {
        if (k !== 'cleanup.policy') expect(String(kafka.topicConfiguration[k])).toBe(v);
      }
    }
  });

  it('uses every published JSON Schema as a payload, unchanged', () => {
    const components = publishedSchemaComponents();
    expect(Object.keys(components).sort()).toEqual(Object.keys(PUBLISHED_SCHEMAS).sort());
    const used = new Set(
      Object.values(doc.components.messages).map((m) => (m.payload as { $ref?: string }).$ref ?? ''),
    );
    for (const [name, component] of Object.entries(components)) {
      expect(used).toContain(`#/components/schemas/${component}`);
      const {
        $schema: _s,
        $id: _i,
        ...published
      } = JSON.parse(readFileSync(join(__dirname, '../../libs/contracts/json-schema', `${name}.json`), 'utf8'));
      expect(doc.components.schemas[component]).toEqual(published);
    }
  });

  it('gives every dead-letter topic the DLQ headers, and every channel a producer; every main topic a consumer', () => {
    const ops = Object.values(doc.operations);
    for (const [id, channel] of Object.entries(doc.channels)) {
      const on = ops.filter((o) => o.channel.$ref === `#/channels/${id}`);
      expect(on.some((o) => o.action === 'send')).toBe(true);
      const isDlq = Object.values(TOPIC).every((t) => t !== channel.address);
      if (!isDlq) {
        expect(on.some((o) => o.action === 'receive')).toBe(true);
        continue;
      }
      expect(Object.values(TOPIC).map(dlqTopicOf)).toContain(channel.address);
      for (const m of Object.values(channel.messages)) {
        const message = doc.components.messages[m.$ref.split('/').pop()!];
        expect(Object.keys(message.headers!.properties).sort()).toEqual(Object.values(DLQ_HEADER).sort());
      }
    }
  });
});
