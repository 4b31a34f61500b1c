// `check` as hooks and CI run it: which files it checks, its three output formats, exit codes,
// a pre-commit style call with file names, the git rules, and that it writes nothing and needs
// no secret.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CODES } from '../../src/diagnostics.js';
import { fixedMaster, project, runCli } from '../helpers/cli.js';
import { BIN, ROOT, checkJson, git, lockfile, where } from './support.js';

const LINKED = `services:
  web:
    image: nginx
    links: [api]
  api:
    image: api
`;
const lockIn = (dir: string) =>
  lockfile(dir.split('/').pop()!, { api: [['10.150.0.1'], 51820], web: [['10.150.0.2'], 51821] }, ['api:web']);

/** A tree: path → content, under one fresh directory; the directory's name is "repo". */
function tree(files: Record<string, string>): string {
  const root = join(project({}), 'repo');
  mkdirSync(root);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return root;
}

/** Every path under a directory with its size and mtime: to show nothing was written. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const st = statSync(p);
      out.set(p, `${st.mode}:${st.size}:${st.mtimeMs}`);
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Which files
// ---------------------------------------------------------------------------------------------

test('a directory is searched for compose files, overlays are merged over their base, node_modules/.git/.wg-compose are skipped', async () => {
  const root = tree({
    'a/compose.yaml': LINKED,
    // An overlay alone would link to a service it does not define; merged over its base it is fine.
    'a/compose.prod.yaml': 'services:\n  api:\n    links: [web]\n    environment: [X=1]\n',
    'a/compose.override.yaml': 'services:\n  web:\n    environment: [Y=2]\n',
    'b/docker-compose.yml': 'services:\n  db:\n    image: postgres\n',
    'b/notes.yaml': 'not: a compose file\n',
    'node_modules/x/compose.yaml': 'services: [broken\n',
    '.wg-compose/compose.yaml': 'services: [broken\n',
  });
  const { code, report } = await checkJson(['.'], root);
  assert.equal(report.files, ['a/compose.yaml', 'a/compose.override.yaml', 'a/compose.prod.yaml', 'b/docker-compose.yml']);
  // The overlay's link makes a start-order cycle with the base's (web -> api -> web): found only merged.
  assert.equal(where(report, 'WGC049').length, 1, JSON.stringify(report.diagnostics));
  assert.equal(where(report, 'WGC040'), []);
  assert.is(code, 1);
});

test('FILE arguments: an override is checked merged over its base; a lockfile checks its directory; a plain file alone', async () => {
  const root = tree({
    'compose.yaml': LINKED,
    'compose.override.yaml': 'services:\n  web:\n    environment: [Y=2]\n',
    'wg-compose.lock': lockIn(join(project({}), 'repo')),
    'other/stack.yml': 'services:\n  x:\n    image: x\n    links: [y]\n',
  });
  const over = await checkJson(['compose.override.yaml'], root);
  assert.equal(over.report.files, ['compose.yaml', 'compose.override.yaml']);
  assert.equal(over.report.diagnostics, []);
  const lock = await checkJson(['wg-compose.lock'], root);
  assert.equal(lock.report.files, ['compose.yaml', 'compose.override.yaml']);
  const plain = await checkJson(['other/stack.yml'], root);
  assert.equal(plain.report.files, ['other/stack.yml']);
  assert.equal(where(plain.report, 'WGC040'), ['error other/stack.yml:4:13']);
});

test('no argument: the project render would use, found from the working directory', async () => {
  const root = tree({ 'compose.yaml': LINKED, 'wg-compose.lock': lockIn(join(project({}), 'repo')), 'sub/dir/.keep': '' });
  const r = await checkJson([], join(root, 'sub', 'dir'));
  // Outside the working directory, paths are shown absolute (as in every command's output).
  assert.equal(r.report.files, [join(root, 'compose.yaml')]);
  assert.equal(r.report.diagnostics, []);
  assert.is(r.code, 0);
});

test('exit 2 for usage errors: a path that does not exist, an unknown format or option', async () => {
  const root = tree({ 'compose.yaml': LINKED });
  const missing = await runCli(['check', 'nope.yaml'], { cwd: root });
  assert.is(missing.code, 2);
  assert.match(missing.stderr, /no such file or directory: nope\.yaml/);
  assert.is((await runCli(['check', '--format', 'xml', 'compose.yaml'], { cwd: root })).code, 2);
  assert.is((await runCli(['check', '--bogus'], { cwd: root })).code, 2);
});

test('a directory without compose files is an error (WGC005), not silence', async () => {
  const root = tree({ 'docs/readme.md': '# hi\n' });
  const r = await checkJson(['docs'], root);
  assert.equal(r.report.diagnostics.map((d) => d.code), ['WGC005']);
  assert.is(r.code, 1);
});

// ---------------------------------------------------------------------------------------------
// Output formats
// ---------------------------------------------------------------------------------------------

const BROKEN = `services:
  web:
    image: nginx
    links: [apii, web]
    external_links: [ext_1]
  api:
    image: api
`;

test('text: file:line:col: severity CODE: message, a hint line, a summary; on stderr, sorted', async () => {
  const root = tree({ 'compose.yaml': BROKEN });
  const r = await runCli(['check', 'compose.yaml'], { cwd: root });
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
  assert.fixture(
    r.stderr,
    [
      'compose.yaml:4:13: error WGC040: service "web" links to "apii", which is not a service of this project',
      '  hint: did you mean "api"?',
      'compose.yaml:4:19: error WGC041: service "web" links to itself',
      '  hint: a service reaches itself on localhost; remove this link',
      'compose.yaml:5:22: warning WGC045: external link "ext_1" points outside the project; it cannot get a WireGuard pair and stays a plain link',
      '  hint: link a service of this project, or put both stacks in one project',
      'wg-compose check: 1 file checked: 2 errors, 1 warning, 0 notes',
      '',
    ].join('\n'),
  );
});

test('text: a clean check prints nothing and exits 0', async () => {
  const root = tree({ 'compose.yaml': LINKED });
  writeFileSync(join(root, 'wg-compose.lock'), lockIn(root));
  const r = await runCli(['check'], { cwd: root });
  assert.equal([r.code, r.stdout, r.stderr], [0, '', '']);
});

test('json: {version, diagnostics:[{file,line,col,severity,code,message,hint}], files} on stdout', async () => {
  const root = tree({ 'compose.yaml': BROKEN });
  const r = await runCli(['check', '--format', 'json', 'compose.yaml'], { cwd: root });
  assert.is(r.code, 1);
  assert.is(r.stderr, '');
  const report = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.equal(Object.keys(report), ['version', 'diagnostics', 'files']);
  assert.equal(report['files'], ['compose.yaml']);
  assert.equal((report['diagnostics'] as unknown[])[0], {
    file: 'compose.yaml',
    line: 4,
    col: 13,
    severity: 'error',
    code: 'WGC040',
    message: 'service "web" links to "apii", which is not a service of this project',
    hint: 'did you mean "api"?',
  });
  assert.equal((report['diagnostics'] as { hint: unknown }[]).map((d) => d.hint === null || typeof d.hint === 'string'), [true, true, true]);
});

test('sarif: valid against the SARIF 2.1.0 schema, every code a rule, results located relative to the working directory', async () => {
  const root = tree({ 'compose.yaml': BROKEN, 'sub/compose.yaml': 'services:\n  x:\n    image: [x\n' });
  const r = await runCli(['check', '--format', 'sarif', 'compose.yaml', 'sub'], { cwd: root });
  assert.is(r.code, 1);
  const log = JSON.parse(r.stdout) as {
    version: string;
    runs: {
      tool: { driver: { name: string; rules: { id: string; shortDescription: { text: string }; helpUri: string }[] } };
      originalUriBaseIds: Record<string, { uri: string }>;
      results: {
        ruleId: string;
        ruleIndex: number;
        level: string;
        message: { text: string };
        locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId: string }; region: { startLine: number; startColumn: number } } }[];
      }[];
    }[];
  };
  const schema = JSON.parse(readFileSync(join(ROOT, 'schema/vendor/sarif-2.1.0.schema.json'), 'utf8')) as object;
  const ajv = new Ajv2020.default({ strict: false, allErrors: true, validateFormats: false });
  const validate = ajv.compile(schema);
  assert.ok(validate(log), JSON.stringify(validate.errors, null, 1));

  const run = log.runs[0]!;
  assert.is(run.tool.driver.name, 'wg-compose');
  assert.equal(run.tool.driver.rules.map((x) => x.id), Object.keys(CODES));
  for (const rule of run.tool.driver.rules) {
    assert.is(rule.shortDescription.text, CODES[rule.id as keyof typeof CODES]);
    assert.match(rule.helpUri, /#check-rules$/);
    assert.ok(new URL(rule.helpUri), rule.helpUri);
  }
  assert.is(run.originalUriBaseIds['%SRCROOT%']!.uri, `${pathToFileURL(root).href}/`);
  const seen = run.results.map((x) => {
    const loc = x.locations[0]!.physicalLocation;
    assert.is(run.tool.driver.rules[x.ruleIndex]!.id, x.ruleId);
    assert.is(loc.artifactLocation.uriBaseId, '%SRCROOT%');
    return `${x.level} ${x.ruleId} ${loc.artifactLocation.uri}:${loc.region.startLine}:${loc.region.startColumn}`;
  });
  assert.equal(seen, [
    'error WGC040 compose.yaml:4:13',
    'error WGC041 compose.yaml:4:19',
    'warning WGC045 compose.yaml:5:22',
    'error WGC002 sub/compose.yaml:4:1',
  ]);
  assert.match(run.results[0]!.message.text, /did you mean "api"\?/);
});

// ---------------------------------------------------------------------------------------------
// As hooks call it
// ---------------------------------------------------------------------------------------------

test('pre-commit style: the real command with the staged file names as arguments, from the repository root', () => {
  const root = tree({
    'svc/a/compose.yaml': LINKED,
    'svc/b/docker-compose.yml': BROKEN,
    'svc/c/compose.yaml': 'services:\n  x:\n    image: x\n',
    'svc/c/compose.override.yaml': 'services:\n  x:\n    environment: [A=1]\n',
    '.gitignore': '.wg-compose/\n',
  });
  writeFileSync(join(root, 'svc/a/wg-compose.lock'), lockfile('a', { api: [['10.150.0.1'], 51820], web: [['10.150.0.2'], 51821] }, ['api:web']));
  git(root, 'init', '-q');
  git(root, 'add', '-A');
  // pre-commit runs `entry` + the matching staged files, in a shell-less exec, stdin closed.
  const staged = ['svc/a/compose.yaml', 'svc/a/wg-compose.lock', 'svc/c/compose.override.yaml', 'svc/c/compose.yaml'];
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: root };
  const ok = spawnSync(process.execPath, [BIN, 'check', ...staged], { cwd: root, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.is(ok.status, 0, ok.stderr);
  assert.is(ok.stderr, '');
  const bad = spawnSync(process.execPath, [BIN, 'check', ...staged, 'svc/b/docker-compose.yml'], { cwd: root, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.is(bad.status, 1);
  assert.match(bad.stderr, /^svc\/b\/docker-compose\.yml:4:13: error WGC040: /m);
  assert.match(bad.stderr, /^wg-compose check: 4 files checked: 2 errors, 1 warning, 0 notes$/m, bad.stderr);
});

test('as a real git pre-commit hook: a commit with a broken compose file or a staged key is refused', () => {
  const root = tree({ 'app/compose.yaml': LINKED, '.gitignore': '.wg-compose/\n' });
  writeFileSync(join(root, 'app/wg-compose.lock'), lockfile('app', { api: [['10.150.0.1'], 51820], web: [['10.150.0.2'], 51821] }, ['api:web']));
  git(root, 'init', '-q');
  // What the pre-commit framework and lint-staged do: the staged names that match, as arguments.
  writeFileSync(
    join(root, '.git/hooks/pre-commit'),
    `#!/bin/sh\nset -e\nfiles=$(git diff --cached --name-only --diff-filter=ACMR | grep -E '(^|/)((docker-)?compose(\\.[^/]+)?\\.ya?ml|wg-compose\\.lock)$|(^|/)\\.wg-compose/' || true)\n` +
      `[ -z "$files" ] || exec "${process.execPath}" "${BIN}" check $files\n`,
    { mode: 0o755 },
  );
  const commit = () => spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '-q', '-m', 'x'], { cwd: root, encoding: 'utf8' });
  git(root, 'add', '-A');
  const first = commit();
  assert.is(first.status, 0, first.stderr);

  writeFileSync(join(root, 'app/compose.yaml'), LINKED.replace('links: [api]', 'links: [apii]'));
  git(root, 'add', '-A');
  const refused = commit();
  assert.is.not(refused.status, 0);
  assert.match(refused.stderr, /^app\/compose\.yaml:4:13: error WGC040: /m);

  writeFileSync(join(root, 'app/compose.yaml'), LINKED);
  mkdirSync(join(root, 'app/.wg-compose'), { mode: 0o700 });
  writeFileSync(join(root, 'app/.wg-compose/master.key'), 'x\n', { mode: 0o600 });
  git(root, 'add', '-A');
  git(root, 'add', '-f', 'app/.wg-compose/master.key');
  // `git commit -a` commits through a temporary index (GIT_INDEX_FILE): the key is seen there.
  const leak = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '-q', '-a', '-m', 'x'], { cwd: root, encoding: 'utf8' });
  assert.is.not(leak.status, 0);
  assert.match(leak.stderr, /^app\/\.wg-compose\/master\.key:1:1: error WGC065: /m);
});

test('.pre-commit-hooks.yaml: one hook, wg-compose check, language node, files matching compose names', async () => {
  const { parse } = await import('yaml');
  const hooks = parse(readFileSync(join(ROOT, '.pre-commit-hooks.yaml'), 'utf8')) as Record<string, unknown>[];
  assert.is(hooks.length, 1);
  const h = hooks[0]!;
  assert.equal([h['id'], h['entry'], h['language'], h['pass_filenames']], ['wg-compose-check', 'wg-compose check', 'node', true]);
  // pre-commit matches `files` with Python's re.search on the path from the repository root.
  const files = new RegExp(String(h['files']));
  for (const p of ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'a/b/docker-compose.yaml', 'compose.override.yaml', 'x/compose.prod.yml', 'wg-compose.lock', '.wg-compose/master.key', 'a/.wg-compose/p/web.conf']) assert.ok(files.test(p), p);
  for (const p of ['stack.yml', 'composer.json', 'my-compose.yaml', 'compose.yaml.bak', 'docs/compose.md']) assert.not.ok(files.test(p), p);
  // pre-commit installs the clone (`npm install`: postinstall builds dist/), packs it (`npm pack`,
  // whose stdout must be the tarball's name alone: no pack-time script) and installs the tarball,
  // which must hold what check loads at run time.
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[]; bin: Record<string, string>; scripts: Record<string, string> };
  for (const f of ['bin', 'dist/src', 'dist/validators', 'scripts/postinstall.mjs']) assert.ok(pkg.files.includes(f), f);
  assert.is(pkg.bin['wg-compose'], 'bin/wg-compose.js');
  assert.is(pkg.scripts['postinstall'], 'node scripts/postinstall.mjs');
  for (const s of ['prepack', 'prepare', 'postpack']) assert.is(pkg.scripts[s], undefined, s);
});

// ---------------------------------------------------------------------------------------------
// git
// ---------------------------------------------------------------------------------------------

function gitProject(gitignore: string | undefined): string {
  const root = tree({ 'app/compose.yaml': LINKED, ...(gitignore !== undefined ? { '.gitignore': gitignore } : {}) });
  writeFileSync(join(root, 'app/wg-compose.lock'), lockfile('app', { api: [['10.150.0.1'], 51820], web: [['10.150.0.2'], 51821] }, ['api:web']));
  git(root, 'init', '-q');
  return root;
}

test('WGC065 a state directory git does not ignore: reported at the compose file; ignored: not', async () => {
  const bad = gitProject(undefined);
  const r = await checkJson(['app/compose.yaml'], bad);
  assert.equal(where(r.report, 'WGC065'), ['error app/compose.yaml:1:1']);
  assert.match(r.report.diagnostics[0]!.message, /app\/\.wg-compose\/ is not ignored by git/);
  assert.is(r.code, 1);
  for (const ignore of ['.wg-compose/\n', '**/.wg-compose\n', 'app/.wg-compose/\n']) {
    const good = gitProject(ignore);
    const g = await checkJson(['app/compose.yaml'], good);
    assert.equal(g.report.diagnostics, [], ignore);
  }
});

test('WGC065 a key file tracked by git: reported at the file, even where .gitignore covers it', async () => {
  const root = gitProject('.wg-compose/\n');
  mkdirSync(join(root, 'app/.wg-compose/app'), { recursive: true, mode: 0o700 });
  writeFileSync(join(root, 'app/.wg-compose/master.key'), 'x\n', { mode: 0o600 });
  writeFileSync(join(root, 'app/.wg-compose/app/web.conf'), '[Interface]\n', { mode: 0o600 });
  git(root, 'add', '-f', 'app/.wg-compose/master.key');
  const r = await checkJson(['app/compose.yaml'], root);
  assert.equal(where(r.report, 'WGC065'), ['error app/.wg-compose/master.key:1:1']);
  assert.match(r.report.diagnostics[0]!.hint!, /git rm --cached app\/\.wg-compose\/master\.key/);
  git(root, 'rm', '-q', '--cached', 'app/.wg-compose/master.key');
  assert.equal((await checkJson(['app/compose.yaml'], root)).report.diagnostics, []);
});

test('WGC065 a key file named as an argument (a hook passing a staged key): its directory is checked, compose file or not', async () => {
  const root = tree({ 'keys/.wg-compose/master.key': 'x\n' });
  chmodSync(join(root, 'keys/.wg-compose/master.key'), 0o600);
  git(root, 'init', '-q');
  git(root, 'add', '-A');
  const r = await checkJson(['keys/.wg-compose/master.key'], root);
  assert.equal(r.report.files, []);
  assert.equal(
    r.report.diagnostics.map((d) => `${d.code} ${d.file}:${d.line}:${d.col}`),
    ['WGC065 keys/.wg-compose:1:1', 'WGC065 keys/.wg-compose/master.key:1:1'],
  );
  assert.is(r.code, 1);
});

test('WGC065 outside a git work tree, or without links and state: git is not consulted', async () => {
  const outside = tree({ 'compose.yaml': LINKED });
  writeFileSync(join(outside, 'wg-compose.lock'), lockIn(outside));
  assert.equal((await checkJson(['compose.yaml'], outside)).report.diagnostics, []);
  const plain = tree({ 'compose.yaml': 'services:\n  web:\n    image: nginx\n' });
  git(plain, 'init', '-q');
  assert.equal((await checkJson(['compose.yaml'], plain)).report.diagnostics, []);
});

// ---------------------------------------------------------------------------------------------
// Needs no secret, writes nothing
// ---------------------------------------------------------------------------------------------

test('check needs no master secret and creates no state, no lockfile, no file at all', async () => {
  const root = tree({ 'compose.yaml': LINKED, 'bad/compose.yaml': BROKEN });
  git(root, 'init', '-q');
  const before = snapshot(root);
  for (const args of [[], ['.'], ['--format', 'json', '.'], ['--format', 'sarif', '--locked', '.']]) {
    const r = await runCli(['check', ...args], { cwd: root, env: { WG_COMPOSE_MASTER_KEY_FILE: join(root, 'no-such.key') } });
    assert.ok(r.code === 0 || r.code === 1, `${args.join(' ')}: ${r.stderr}`);
  }
  assert.not.ok(existsSync(join(root, '.wg-compose')));
  assert.not.ok(existsSync(join(root, 'wg-compose.lock')));
  assert.equal(snapshot(root), before);
});

test('an imported private key readable by others is reported (WGC066), like the configs beside it', async () => {
  const root = tree({ 'compose.yaml': LINKED });
  const env = fixedMaster(root);
  assert.is((await runCli(['render'], { cwd: root, env })).code, 0);
  const key = Buffer.alloc(32, 9);
  key[0]! &= 248;
  key[31] = (key[31]! & 127) | 64;
  const imp = await runCli(['import', 'api'], { cwd: root, env, stdin: `${key.toString('base64')}\n` });
  assert.is(imp.code, 0, imp.stderr);
  const dir = join(root, '.wg-compose', 'repo', 'imported');
  const [file] = readdirSync(dir);
  const clean = await checkJson([], root, env);
  assert.equal(where(clean.report, 'WGC066'), [], 'render and import write 0600');
  chmodSync(join(dir, file!), 0o644);
  const loose = await checkJson([], root, env);
  assert.is(loose.code, 1);
  assert.equal(where(loose.report, 'WGC066'), [`error .wg-compose/repo/imported/${file}:1:1`]);
});

test('check leaves an existing state directory as it was, even one with loose modes', async () => {
  const root = tree({ 'compose.yaml': LINKED });
  writeFileSync(join(root, 'wg-compose.lock'), lockIn(root));
  mkdirSync(join(root, '.wg-compose', 'repo'), { recursive: true });
  writeFileSync(join(root, '.wg-compose', 'master.key'), 'x\n');
  chmodSync(join(root, '.wg-compose'), 0o755);
  chmodSync(join(root, '.wg-compose', 'master.key'), 0o644);
  const before = snapshot(root);
  const r = await checkJson(['compose.yaml'], root);
  assert.equal(where(r.report, 'WGC066'), ['error .wg-compose/master.key:1:1']);
  assert.equal(snapshot(root), before);
});

test.run();
