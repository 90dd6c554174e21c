// Builds the OneStop browser bundles into webui/static/dist/ (git-ignored).
// Run through `npm run build` (after `npm ci`). No vendor code lives in the repo:
// everything comes from node_modules, pinned by package-lock.json.
import { build } from 'esbuild';
import { copyFile, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'webui', 'static', 'dist');
const started = performance.now();

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });

await build({
  absWorkingDir: root,
  entryPoints: {
    'form-viewer': 'frontend/form-viewer.js',
    'bpmn-viewer': 'frontend/bpmn-viewer.js',
    'modeler': 'frontend/modeler.js',
    'charts': 'frontend/charts.js',
    'map': 'frontend/map.js',
  },
  outdir,
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  // fonts referenced from the bpmn-js / dmn-js CSS become files next to the bundles
  loader: {
    '.woff': 'file',
    '.woff2': 'file',
    '.ttf': 'file',
    '.eot': 'file',
    '.svg': 'file',
    '.png': 'file',
  },
  assetNames: 'assets/[name]-[hash]',
  legalComments: 'eof',
  sourcemap: process.env.ONESTOP_SOURCEMAP ? 'linked' : false,
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});

await copyFile(join(root, 'node_modules', 'axe-core', 'axe.min.js'), join(outdir, 'axe.min.js'));

async function listFiles(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...await listFiles(p));
    else out.push(p);
  }
  return out.sort();
}

const kb = (n) => (n / 1024).toFixed(1).padStart(8) + ' KiB';
let total = 0;
for (const file of await listFiles(outdir)) {
  const { size } = await stat(file);
  total += size;
  console.log(`${kb(size)}  ${relative(root, file)}`);
}
console.log(`${kb(total)}  total, built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
