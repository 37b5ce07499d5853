#!/usr/bin/env node
// Builds the ops console (apps/console) into apps/console/dist: one minified script, one
// stylesheet (Pico CSS and ours), the page. Nothing is loaded from elsewhere at run time. Fails
// when the bundle, gzipped, is over the budget.
'use strict';
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

const BUDGET_GZIP_BYTES = 300 * 1024;
const root = path.resolve(__dirname, '../apps/console');
const out = path.join(root, 'dist');

async function main() {
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  await esbuild.build({
    entryPoints: [path.join(root, 'src/main.tsx')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2020',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    outfile: path.join(out, 'app.js'),
    legalComments: 'none',
    logLevel: 'warning',
  });
  const pico = require.resolve('@picocss/pico/css/pico.min.css');
  const css = await esbuild.transform(
    `${fs.readFileSync(pico, 'utf8')}\n${fs.readFileSync(path.join(root, 'src/style.css'), 'utf8')}`,
    { loader: 'css', minify: true },
  );
  fs.writeFileSync(path.join(out, 'app.css'), css.code);
  fs.copyFileSync(path.join(root, 'index.html'), path.join(out, 'index.html'));
  const gz = ['app.js', 'app.css', 'index.html']
    .map((f) => zlib.gzipSync(fs.readFileSync(path.join(out, f))).length)
    .reduce((a, b) => a + b, 0);
  if (gz > BUDGET_GZIP_BYTES) {
    console.error(`console bundle is ${gz} bytes gzipped, over the ${BUDGET_GZIP_BYTES} budget`);
    process.exit(1);
  }
  console.log(
    `console built: ${(gz / 1024).toFixed(1)} KB gzipped (budget ${BUDGET_GZIP_BYTES / 1024} KB)`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
