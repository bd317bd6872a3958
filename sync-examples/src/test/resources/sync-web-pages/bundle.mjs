// Bundles a test page for the browser, as an app's build would: React and react-dom from
// sync-web's dev tools (node_modules), 'closedloop-sync/react' from sync-web's sources.
// node bundle.mjs <sync-web dir> <entry> <outfile>
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const [syncWeb, entry, outfile] = process.argv.slice(2).map((p) => resolve(p));
const esbuild = createRequire(join(syncWeb, 'package.json'))('esbuild');
const sources = join(syncWeb, 'src/main/js');

await esbuild.build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  format: 'iife',
  jsx: 'automatic',
  minify: true,
  define: { 'process.env.NODE_ENV': '"production"' },
  nodePaths: [join(syncWeb, 'node_modules')],
  logLevel: 'warning',
  plugins: [{
    name: 'closedloop-sync',
    setup(build) {
      build.onResolve({ filter: /^closedloop-sync(\/.*)?$/ }, (args) => {
        const sub = args.path === 'closedloop-sync' ? 'sync' : args.path.slice('closedloop-sync/'.length);
        return { path: join(sources, `${sub}.js`) };
      });
    },
  }],
});
