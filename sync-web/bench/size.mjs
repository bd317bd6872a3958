// Size benchmark (issue 13): sync.js and everything it imports, bundled and minified by esbuild
// (ESM, as a page's build would) and gzipped (node:zlib, level 9), beside @tanstack/query-core's
// entry measured the same way. Goal: ours at most a third of query-core's.
//
//   cd sync-web && npm ci && node bench/size.mjs          (prints a table and a JSON line)
//
// Every export is kept (the entry re-exports the whole module), so nothing is tree-shaken away:
// what is measured is the cost of importing the library. react.js is measured with React
// external (a peer), sync-button.js on its own.
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sources = join(root, 'src/main/js');
const GOAL = 1 / 3;

async function measure(name, importPath, external = []) {
  const result = await build({
    stdin: { contents: `export * from ${JSON.stringify(importPath)};`, resolveDir: root, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    external,
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].contents;
  return { name, minified: code.length, gzipped: gzipSync(code, { level: 9 }).length };
}

const rows = [];
const sync = existsSync(join(sources, 'sync.js')) ? await measure('sync.js', join(sources, 'sync.js')) : null;
if (sync) rows.push(sync);
const queryCore = await measure('@tanstack/query-core', '@tanstack/query-core');
rows.push(queryCore);
rows.push(await measure('sync-button.js', join(sources, 'sync-button.js')));
rows.push(await measure('react.js (React external)', join(sources, 'react.js'), ['react', 'react-dom']));

const width = Math.max(...rows.map((r) => r.name.length));
console.log(`${'module'.padEnd(width)}  minified B  min+gzip B`);
for (const r of rows) {
  console.log(`${r.name.padEnd(width)}  ${String(r.minified).padStart(10)}  ${String(r.gzipped).padStart(10)}`);
}
const ratio = sync ? sync.gzipped / queryCore.gzipped : null;
if (sync) {
  console.log(`sync.js / query-core, min+gzip: ${ratio.toFixed(3)} (goal <= ${GOAL.toFixed(3)}): ${ratio <= GOAL ? 'met' : 'MISSED'}`);
} else {
  console.log('sync.js is missing: only the other modules were measured');
}
console.log(`RESULT ${JSON.stringify({ rows, ratio, goal: GOAL })}`);
process.exitCode = sync && ratio > GOAL ? 1 : 0;
