// Builds the console's front end into static files ingest serves (CONSOLE_ASSETS_DIR):
// index.html, assets/console.js (one bundle, no inline script) and assets/console.css.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const SOURCE = join(__dirname, 'src');

/** The bundle, in memory (`write: false`, for the size budget) or written under `outdir`. */
export async function buildConsole(outdir: string, write = true) {
  const result = await build({
    entryPoints: [join(SOURCE, 'main.ts')],
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['chrome110', 'firefox110', 'safari16'],
    outfile: join(outdir, 'assets', 'console.js'),
    write,
    logLevel: 'silent',
  });
  if (write) {
    mkdirSync(join(outdir, 'assets'), { recursive: true });
    copyFileSync(join(SOURCE, 'index.html'), join(outdir, 'index.html'));
    copyFileSync(join(SOURCE, 'console.css'), join(outdir, 'assets', 'console.css'));
  }
  return result;
}

if (require.main === module) {
  const outdir = process.argv[2] ?? 'dist/console';
  buildConsole(outdir).then(
    () => console.log(`console built into ${outdir}`),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
