import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildConsole } from './build';

/** The console's whole download, compressed: page, script and style sheet. */
const BUDGET_BYTES = 30 * 1024;

describe('console bundle', () => {
  it(`stays under ${BUDGET_BYTES / 1024} kB compressed, with no third-party URL in it`, async () => {
    const result = await buildConsole('/tmp/console-budget', false);
    const script = result.outputFiles!.map((f) => f.text).join('');
    const page = readFileSync(join(__dirname, 'src', 'index.html'), 'utf8');
    const styles = readFileSync(join(__dirname, 'src', 'console.css'), 'utf8');
    const compressed = [script, page, styles].reduce((sum, text) => sum + gzipSync(text).length, 0);
    expect(compressed).toBeLessThan(BUDGET_BYTES);
    expect(compressed).toBeGreaterThan(1024); // the bundle is really there
    // Everything comes from us: no absolute URL to load from anywhere else.
    for (const text of [script, page, styles]) expect(text).not.toMatch(/(src|href|url\()=?["'(]?(https?:)?\/\//);
    expect(page).not.toMatch(/<script>(?!<\/script>)|<script(?![^>]*\bsrc=)[^>]*>/);
  });
});
