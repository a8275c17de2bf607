// Regenerates docs/api/asyncapi.yaml from libs/contracts (scripts/contracts/asyncapi.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { asyncApiYaml } from './asyncapi';

const file = join(__dirname, '../../docs/api/asyncapi.yaml');
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, asyncApiYaml());
console.log(`wrote ${file}`);
