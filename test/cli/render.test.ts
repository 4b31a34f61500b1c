// `render` and `show` as a user runs them: real files, real state directory, the real CLI.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { project, runCli } from '../helpers/cli.js';

const COMPOSE = `services:
  web:
    image: nginx
    ports: ["8080:80"]
    links: [api]
  api:
    image: api
    links: ["db:database"]
    environment:
      NAME: \${APP_NAME}
  db:
    image: postgres
`;

const mode = (p: string) => statSync(p).mode & 0o777;

/** Every file under a directory, path → content. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(p, readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

/** The private keys and PSKs in a project's wg-quick files. */
function secretsOf(dir: string, projectName: string): string[] {
  const cdir = join(dir, '.wg-compose', projectName);
  const out: string[] = [];
  for (const f of readdirSync(cdir).filter((n) => n.endsWith('.conf'))) {
    for (const m of readFileSync(join(cdir, f), 'utf8').matchAll(/^(?:PrivateKey|PresharedKey) = (\S+)$/gm)) out.push(m[1]!);
  }
  return [...new Set(out)];
}

test('render prints only the stack on stdout and keeps secrets in a private state directory', async () => {
  const dir = project({ 'compose.yaml': COMPOSE });
  const r = await runCli(['render'], { cwd: dir });
  assert.is(r.code, 0, r.stderr);
  const stack = parse(r.stdout) as { services: Record<string, unknown>; secrets: Record<string, { file: string }> };
  assert.equal(Object.keys(stack.services).sort(), ['api', 'api-wg', 'api-wgns', 'db', 'db-wg', 'db-wgns', 'web', 'web-wg', 'web-wgns']);
  assert.is(stack.secrets['web-wg-conf']!.file, `./.wg-compose/${dir.split('/').pop()!.toLowerCase().replace(/[^a-z0-9_-]/g, '')}/web.conf`);
  // The unset variable is a warning (as compose does), at its line and column.
  assert.match(r.stderr, /^compose\.yaml:10:13: warning WGC012: the "APP_NAME" variable is not set/m);

  assert.is(mode(join(dir, '.wg-compose')), 0o700);
  assert.is(mode(join(dir, '.wg-compose', 'master.key')), 0o600);
  for (const [p] of snapshot(join(dir, '.wg-compose'))) assert.is(mode(p), 0o600, p);
  for (const d of readdirSync(join(dir, '.wg-compose'), { withFileTypes: true })) {
    if (d.isDirectory()) assert.is(mode(join(dir, '.wg-compose', d.name)), 0o700);
  }
  assert.is(mode(join(dir, 'wg-compose.lock')), 0o644);
});

test('no private key or PSK appears on stdout, stderr, in the lockfile or in show', async () => {
  const dir = project({ 'compose.yaml': COMPOSE });
  const r = await runCli(['render', '-p', 'scan'], { cwd: dir, env: { APP_NAME: 'x' } });
  assert.is(r.code, 0, r.stderr);
  const json = await runCli(['show', '--json', '-p', 'scan'], { cwd: dir });
  const table = await runCli(['show', '-p', 'scan'], { cwd: dir });
  const secrets = secretsOf(dir, 'scan');
  assert.is(secrets.length, 3 + 2, 'three private keys and two PSKs');
  const master = readFileSync(join(dir, '.wg-compose', 'master.key'), 'utf8').trim();
  const places = {
    stdout: r.stdout,
    stderr: r.stderr,
    lockfile: readFileSync(join(dir, 'wg-compose.lock'), 'utf8'),
    showJson: json.stdout + json.stderr,
    showTable: table.stdout + table.stderr,
  };
  for (const [where, text] of Object.entries(places)) {
    for (const s of [...secrets, master]) assert.not.ok(text.includes(s), `a secret leaked into ${where}`);
  }
});

test('re-rendering gives byte-identical stdout and state', async () => {
  const dir = project({ 'compose.yaml': COMPOSE });
  const env = { APP_NAME: 'x' };
  const a = await runCli(['render'], { cwd: dir, env });
  const stateA = snapshot(dir);
  const mtimes = [...stateA.keys()].map((p) => lstatSync(p).mtimeMs);
  const b = await runCli(['render'], { cwd: dir, env });
  assert.is(b.code, 0);
  assert.is(b.stdout, a.stdout);
  assert.equal(snapshot(dir), stateA);
  assert.equal([...stateA.keys()].map((p) => lstatSync(p).mtimeMs), mtimes, 'unchanged files are not rewritten');
});

test('adding and removing services changes no existing key, address or port', async () => {
  const dir = project({ 'compose.yaml': COMPOSE });
  const env = { APP_NAME: 'x' };
  assert.is((await runCli(['render', '-p', 'grow'], { cwd: dir, env })).code, 0);
  const before = JSON.parse((await runCli(['show', '--json', '-p', 'grow'], { cwd: dir })).stdout) as ShowJson;
  // A new service linked from the middle of the alphabet, and `web` removed.
  const grown = COMPOSE.replace('links: ["db:database"]', 'links: ["db:database", "auth"]').replace(/  web:\n(    .*\n)+/, '') + '  auth:\n    image: auth\n';
  writeFileSync(join(dir, 'compose.yaml'), grown);
  const r = await runCli(['render', '-p', 'grow'], { cwd: dir, env });
  assert.is(r.code, 0, r.stderr);
  const after = JSON.parse((await runCli(['show', '--json', '-p', 'grow'], { cwd: dir })).stdout) as ShowJson;
  const pick = (j: ShowJson, n: string) => {
    const s = j.services.find((x) => x.name === n)!;
    return { addresses: s.addresses, listenPort: s.listenPort, publicKey: s.publicKey };
  };
  for (const n of ['api', 'db']) assert.equal(pick(after, n), pick(before, n), n);
  assert.equal(after.services.map((s) => s.name), ['api', 'auth', 'db']);
  // The removed service's config (and its private key) is gone from the state directory.
  assert.not.ok(existsSync(join(dir, '.wg-compose', 'grow', 'web.conf')));
});

interface ShowJson {
  project: string;
  services: { name: string; addresses: string[]; publicKey: string; listenPort: number; config: string; peers: { service: string; publicKey: string; allowedIPs: string[] }[] }[];
}

test('keys match the real tools: wg pubkey of each private key is the public key peers carry', async () => {
  const dir = project({ 'compose.yaml': COMPOSE });
  assert.is((await runCli(['render', '-p', 'keys'], { cwd: dir, env: { APP_NAME: 'x' } })).code, 0);
  const show = JSON.parse((await runCli(['show', '--json', '-p', 'keys'], { cwd: dir })).stdout) as ShowJson;
  const byName = new Map(show.services.map((s) => [s.name, s]));
  for (const s of show.services) {
    const conf = readFileSync(join(dir, s.config), 'utf8');
    const priv = /^PrivateKey = (\S+)$/m.exec(conf)![1]!;
    const pub = execFileSync('wg', ['pubkey'], { input: `${priv}\n`, encoding: 'utf8' }).trim();
    assert.is(pub, s.publicKey, `wg pubkey of ${s.name}'s key`);
    for (const p of s.peers) assert.is(p.publicKey, byName.get(p.service)!.publicKey);
    // wg-quick's own parser accepts the file, and what it hands `wg setconf` has no wg-quick-only keys.
    const stripped = execFileSync('wg-quick', ['strip', join(dir, s.config)], { encoding: 'utf8' });
    assert.match(stripped, /^\[Interface\]$/m);
    assert.not.match(stripped, /^(Address|MTU) =/m);
  }
});

test('COMPOSE_FILE and COMPOSE_PROJECT_NAME are honoured', async () => {
  const dir = project({ 'stack/base.yml': COMPOSE, 'stack/extra.yml': 'services:\n  db:\n    image: postgres:16\n' });
  const r = await runCli(['render'], { cwd: dir, env: { COMPOSE_FILE: 'stack/base.yml:stack/extra.yml', COMPOSE_PROJECT_NAME: 'Named_Project', APP_NAME: 'x' } });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /image: postgres:16/);
  assert.match(r.stdout, /\.\/\.wg-compose\/named_project\/db\.conf/);
  assert.ok(existsSync(join(dir, 'stack', 'wg-compose.lock')), 'lockfile beside the compose file');
  assert.ok(existsSync(join(dir, 'stack', '.wg-compose', 'named_project', 'db.conf')), 'state in the project directory');
});

test('input problems exit 1 with file:line:col diagnostics; usage errors exit 2', async () => {
  const dir = project({ 'compose.yaml': 'services:\n  a:\n    image: x\n    links: [b]\n' });
  const r = await runCli(['render'], { cwd: dir });
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
  assert.is(r.stderr, 'compose.yaml:4:13: error WGC040: service "a" links to "b", which is not a service of this project\n');
  assert.not.ok(existsSync(join(dir, '.wg-compose')), 'no state is created for a project with errors');

  const usage = await runCli(['render', '--no-such-option'], { cwd: dir });
  assert.is(usage.code, 2);
  assert.match(usage.stderr, /unknown option '--no-such-option'/);

  const missing = await runCli(['render', '-f', 'nope.yml'], { cwd: dir });
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /compose file not found: .*nope\.yml/);

  const badName = await runCli(['render', '-p', 'Bad Name'], { cwd: dir });
  assert.is(badName.code, 1);
  assert.match(badName.stderr, /error WGC032: invalid project name "Bad Name"/);

  const none = await runCli(['render'], { cwd: project({}) });
  assert.is(none.code, 1);
  assert.match(none.stderr, /error WGC005: no compose file found/);
});

test('show needs state and never creates it', async () => {
  const dir = project({ 'compose.yaml': COMPOSE });
  const r = await runCli(['show'], { cwd: dir, env: { APP_NAME: 'x' } });
  assert.is(r.code, 1);
  assert.match(r.stderr, /run wg-compose render first/);
  assert.not.ok(existsSync(join(dir, '.wg-compose')));
});

test('a state directory that is a symlink is refused', async () => {
  const dir = project({ 'compose.yaml': COMPOSE });
  const elsewhere = project({});
  symlinkSync(elsewhere, join(dir, '.wg-compose'));
  const r = await runCli(['render'], { cwd: dir, env: { APP_NAME: 'x' } });
  assert.is(r.code, 1);
  assert.match(r.stderr, /symbolic link/);
  assert.equal(readdirSync(elsewhere), [], 'nothing written through the link');
});

test('a project without links renders unchanged and says so', async () => {
  const dir = project({ 'compose.yaml': 'services:\n  a:\n    image: x\n    ports: ["22:22"]\n' });
  const r = await runCli(['render'], { cwd: dir });
  assert.is(r.code, 0);
  assert.match(r.stderr, /no links/);
  assert.equal(parse(r.stdout), { services: { a: { image: 'x', ports: ['22:22'] } }, 'x-wireguard': parse(r.stdout)['x-wireguard'] });
  assert.match(r.stdout, /- "22:22"/, 'quoted so YAML 1.1 readers do not see a base-60 number');
});

test('the bin file is the CLI: --help explains, --version prints the version', () => {
  const bin = fileURLToPath(new URL('../../../bin/wg-compose.js', import.meta.url));
  const help = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
  assert.is(help.status, 0);
  assert.match(help.stdout, /render .*\n/);
  assert.match(help.stdout, /Exit codes: 0 ok, 1 problems in the input/);
  const renderHelp = spawnSync(process.execPath, [bin, 'render', '--help'], { encoding: 'utf8' });
  assert.match(renderHelp.stdout, /--project-directory <dir>/);
  assert.match(renderHelp.stdout, /--env-file <path>/);
  assert.match(renderHelp.stdout, /--profile <name>/);
  const version = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });
  const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../../package.json', import.meta.url)), 'utf8')) as { version: string };
  assert.is(version.stdout.trim(), pkg.version);
});

test('a state file in the way is never followed: configs are not written through symlinks', async () => {
  const dir = project({ 'compose.yaml': COMPOSE });
  const target = join(project({}), 'stolen.conf');
  mkdirSync(join(dir, '.wg-compose', 'p'), { recursive: true, mode: 0o700 });
  symlinkSync(target, join(dir, '.wg-compose', 'p', 'api.conf'));
  const r = await runCli(['render', '-p', 'p'], { cwd: dir, env: { APP_NAME: 'x' } });
  assert.is(r.code, 1);
  assert.match(r.stderr, /symbolic link/);
  assert.not.ok(existsSync(target));
});

test('another master secret than the lockfile was made with is a warning, not a silent re-key', async () => {
  const dir = project({ 'compose.yaml': COMPOSE });
  const env = { APP_NAME: 'x' };
  assert.is((await runCli(['render'], { cwd: dir, env })).code, 0);
  writeFileSync(join(dir, 'other.key'), `${Buffer.alloc(32, 9).toString('base64')}\n`, { mode: 0o600 });
  const r = await runCli(['render'], { cwd: dir, env: { ...env, WG_COMPOSE_MASTER_KEY_FILE: join(dir, 'other.key') } });
  assert.is(r.code, 0);
  assert.match(r.stderr, /warning WGC062: the keys of "api", "db", "web" differ from wg-compose.lock/);
  const again = await runCli(['render'], { cwd: dir, env: { ...env, WG_COMPOSE_MASTER_KEY_FILE: join(dir, 'other.key') } });
  assert.not.match(again.stderr, /WGC062/, 'once the lockfile is updated the warning is gone');
});

test.run();
