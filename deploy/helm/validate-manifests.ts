/**
 * Validates Kubernetes objects against the API schemas of kubernetes-models (Kubernetes),
 * @kubernetes-models/keda (KEDA) and @kubernetes-models/prometheus-operator (ServiceMonitor).
 * Those packages are ES modules, so this runs as its own process (tsx): it reads a JSON array
 * of objects on stdin and prints, as JSON, one entry per object: `{ kind, name, error? }`.
 * An object of a kind none of them knows is an error too.
 */
type Model = new (data: unknown) => { validate(): void };

const PACKAGES: Record<string, string> = {
  'keda.sh': '@kubernetes-models/keda',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
};

async function modelOf(apiVersion: string, kind: string): Promise<Model | undefined> {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const pkg = PACKAGES[group] ?? 'kubernetes-models';
  const path = group ? `${pkg}/${group}/${version}/${kind}` : `${pkg}/${version}/${kind}`;
  try {
    const module = (await import(path)) as Record<string, Model>;
    return module[kind];
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const objects = JSON.parse(input) as { apiVersion: string; kind: string; metadata?: { name?: string } }[];
  const results = [];
  for (const object of objects) {
    const entry: { kind: string; name?: string; error?: string } = { kind: object.kind, name: object.metadata?.name };
    const Model = await modelOf(object.apiVersion, object.kind);
    if (!Model) entry.error = `no schema for ${object.apiVersion} ${object.kind}`;
    else {
      try {
        new Model(object).validate();
      } catch (e) {
        entry.error = (e as Error).message;
      }
    }
    results.push(entry);
  }
  process.stdout.write(JSON.stringify(results));
}

void main();
