// Compose's project options, resolved the way the compose CLI resolves them
// (https://docs.docker.com/compose/project-name/, .../environment-variables/envvars/):
// which files, which project directory, which name, which environment, which profiles.
import type { Target } from '../state/paths.js';
import { dirname, basename, isAbsolute, join, resolve } from 'node:path';
import { error, warning, type Diagnostic } from '../diagnostics.js';
import { parseDotenv } from './dotenv.js';
import type { FileReader } from './io.js';

export interface ProjectOptions {
  readonly files: readonly string[];
  readonly projectName?: string | undefined;
  readonly projectDirectory?: string | undefined;
  readonly envFiles: readonly string[];
  readonly profiles: readonly string[];
  /** The compose file named `-` (compose's `-f -`), which the CLI read from standard input. */
  readonly stdin?: string | undefined;
  /** Where the stack runs: one host (the default) or a Docker Swarm (src/state/paths.ts). */
  readonly target?: Target | undefined;
}

export interface Environment {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly reader: FileReader;
}

export interface ResolvedOptions {
  /** Absolute paths, in merge order. */
  readonly files: string[];
  readonly projectDir: string;
  /** Interpolation lookup: the process environment first, then the env file(s). */
  readonly lookup: (name: string) => string | undefined;
  readonly profiles: string[];
  /** Set when -p or COMPOSE_PROJECT_NAME decided the name; otherwise the file or the directory does. */
  readonly explicitName?: string;
  readonly diagnostics: Diagnostic[];
}

/** Compose's default file names, in the order compose prefers them. */
export const DEFAULT_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'] as const;
export const OVERRIDE_FILES: Record<string, readonly string[]> = {
  'compose.yaml': ['compose.override.yaml', 'compose.override.yml'],
  'compose.yml': ['compose.override.yml', 'compose.override.yaml'],
  'docker-compose.yaml': ['docker-compose.override.yaml', 'docker-compose.override.yml'],
  'docker-compose.yml': ['docker-compose.override.yml', 'docker-compose.override.yaml'],
};

export function resolveOptions(opts: ProjectOptions, envr: Environment): ResolvedOptions {
  const diagnostics: Diagnostic[] = [];
  const abs = (p: string, base = envr.cwd) => (isAbsolute(p) ? p : resolve(base, p));
  const procEnv = (n: string) => envr.env[n];

  // The .env that may name the files is read from --project-directory or the working
  // directory; once the files are known, the project directory's .env holds the variables.
  const earlyDir = opts.projectDirectory ? abs(opts.projectDirectory) : envr.cwd;
  const early = readEnvFiles(opts.envFiles.length ? opts.envFiles.map((f) => abs(f)) : [join(earlyDir, '.env')], procEnv, envr.reader, opts.envFiles.length > 0, diagnostics);
  const fromEnv = (n: string) => procEnv(n) ?? early.get(n);

  let files: string[];
  if (opts.files.length > 0) {
    files = opts.files.map((f) => (f === '-' ? '-' : abs(f)));
  } else if (fromEnv('COMPOSE_FILE')) {
    const sep = fromEnv('COMPOSE_PATH_SEPARATOR') || ':';
    files = fromEnv('COMPOSE_FILE')!.split(sep).filter(Boolean).map((f) => abs(f, earlyDir));
  } else {
    files = findDefaultFiles(earlyDir, envr.reader, diagnostics);
  }

  const projectDir = opts.projectDirectory
    ? abs(opts.projectDirectory)
    : files[0] && files[0] !== '-'
      ? dirname(files[0])
      : envr.cwd;

  const env =
    opts.envFiles.length > 0 || projectDir === earlyDir
      ? early
      : readEnvFiles([join(projectDir, '.env')], procEnv, envr.reader, false, diagnostics);
  const lookup = (n: string) => procEnv(n) ?? env.get(n);

  const profileText = opts.profiles.length ? opts.profiles.join(',') : lookup('COMPOSE_PROFILES') ?? '';
  const profiles = profileText.split(',').map((s) => s.trim()).filter(Boolean);

  let explicitName: string | undefined;
  if (opts.projectName !== undefined) {
    explicitName = opts.projectName;
    if (!isValidProjectName(opts.projectName)) {
      diagnostics.push(error('WGC032', `invalid project name "${opts.projectName}": it must contain only lowercase letters, digits, dashes and underscores, and start with a letter or digit`));
    }
  } else if (lookup('COMPOSE_PROJECT_NAME')) {
    explicitName = normalizeProjectName(lookup('COMPOSE_PROJECT_NAME')!);
  }
  return { files, projectDir, lookup, profiles, ...(explicitName !== undefined ? { explicitName } : {}), diagnostics };
}

function readEnvFiles(
  paths: string[],
  procEnv: (n: string) => string | undefined,
  reader: FileReader,
  required: boolean,
  diagnostics: Diagnostic[],
): Map<string, string> {
  const vars = new Map<string, string>();
  for (const path of paths) {
    const r = reader.read(path);
    if (!r.ok) {
      if (required || r.reason === 'unreadable') {
        diagnostics.push(error('WGC001', `cannot read env file: ${r.message}`, { file: path, line: 1, col: 1 }));
      }
      continue;
    }
    const parsed = parseDotenv(r.text, (n) => procEnv(n) ?? vars.get(n));
    for (const p of parsed.problems) diagnostics.push(error('WGC013', p.message, { file: path, line: p.line, col: p.col }));
    for (const [k, v] of parsed.vars) vars.set(k, v);
  }
  return vars;
}

/** compose looks in the working directory, then in each parent, for its default names. */
function findDefaultFiles(start: string, reader: FileReader, diagnostics: Diagnostic[]): string[] {
  for (let dir = start; ; dir = dirname(dir)) {
    const found = DEFAULT_FILES.filter((f) => reader.isFile(join(dir, f)));
    if (found.length > 0) {
      const main = found[0]!;
      if (found.length > 1) {
        diagnostics.push(warning('WGC005', `found several compose files (${found.join(', ')}); using ${main}`, { file: join(dir, main), line: 1, col: 1 }));
      }
      const override = (OVERRIDE_FILES[main] ?? []).find((f) => reader.isFile(join(dir, f)));
      return override ? [join(dir, main), join(dir, override)] : [join(dir, main)];
    }
    if (dirname(dir) === dir) break;
  }
  diagnostics.push(
    error('WGC005', `no compose file found in ${start} or its parents (looked for ${DEFAULT_FILES.join(', ')})`, undefined, 'name one with -f FILE'),
  );
  return [];
}

export const isValidProjectName = (name: string): boolean => /^[a-z0-9][a-z0-9_-]*$/.test(name);

/** compose-go's NormalizeProjectName: lowercase, keep [a-z0-9_-], start with a letter or digit. */
export function normalizeProjectName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/^[^a-z0-9]+/, '');
}

export const projectNameFromDir = (dir: string): string => normalizeProjectName(basename(dir));
