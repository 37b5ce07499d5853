#!/usr/bin/env node
// Makes a fresh clone runnable: installs dependencies when node_modules is missing or older than
// the lockfile, and builds when dist is missing or older than the sources. Plain Node, no
// dependencies, so that it can run before `npm ci`.
'use strict';
const { execSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const args = new Set(process.argv.slice(2));
const run = (cmd) => execSync(cmd, { cwd: root, stdio: 'inherit' });
const mtime = (p) => {
  try {
    return fs.statSync(path.join(root, p)).mtimeMs;
  } catch {
    return 0;
  }
};
function newest(dir) {
  let latest = 0;
  const walk = (d) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (/\.(ts|tsx|css|html)$/.test(entry.name) && !p.includes(`${path.sep}dist${path.sep}`))
        latest = Math.max(latest, fs.statSync(p).mtimeMs);
    }
  };
  if (fs.existsSync(path.join(root, dir))) walk(path.join(root, dir));
  return latest;
}

const installedAt = mtime('node_modules/.package-lock.json');
if (installedAt === 0 || installedAt < mtime('package-lock.json')) {
  console.log('[ensure-ready] installing dependencies (npm ci)');
  run('npm ci --no-audit --no-fund');
}

if (!args.has('--no-build')) {
  const builtAt = mtime('dist/.build-stamp');
  const sourcesAt = Math.max(
    newest('apps'),
    newest('libs'),
    mtime('tsconfig.json'),
    mtime('tsconfig.build.json'),
  );
  if (args.has('--force-build') || builtAt === 0 || builtAt < sourcesAt) {
    console.log('[ensure-ready] building (npm run build)');
    fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
    fs.rmSync(path.join(root, 'libs/client/dist'), { recursive: true, force: true });
    fs.rmSync(path.join(root, 'libs/consumer/dist'), { recursive: true, force: true });
    run('npm run build --silent');
    fs.writeFileSync(path.join(root, 'dist/.build-stamp'), new Date().toISOString());
  }
}
