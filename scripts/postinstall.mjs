// Builds dist/ after `npm install` in a checkout that has none, so a clone used as a hook
// source works: the pre-commit framework installs a `language: node` hook with
// `npm install` in the clone, then `npm pack`, then `npm install -g` of the tarball. The build
// cannot run in `prepack`: pre-commit takes everything `npm pack` prints on stdout as the
// tarball's name, and npm prints every lifecycle script's banner there.
// Does nothing where dist/ exists (an installed tarball, a developer's tree) or where the
// build tools are not installed.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(join(root, 'dist/src/cli/main.js')) && existsSync(join(root, 'node_modules/typescript'))) {
  const npm = process.env['npm_execpath'];
  const r = npm
    ? spawnSync(process.execPath, [npm, 'run', 'build'], { cwd: root, stdio: ['ignore', 2, 2] })
    : spawnSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
  process.exitCode = r.status ?? 1;
}
