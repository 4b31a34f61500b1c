// Renders a project for the tunnel tier the way its README says, with the real CLI and a
// fixed master secret, and reads the topology back from `show --json`.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixedMaster, runCli } from '../helpers/cli.js';
import { tempDir } from './netns.js';

/** `show --json`, as scripts rely on it (README). */
export interface ShowJson {
  readonly project: string;
  readonly services: readonly {
    readonly name: string;
    readonly addresses: readonly string[];
    readonly publicKey: string;
    readonly listenPort: number;
    readonly config: string;
    readonly peers: readonly {
      readonly service: string;
      readonly aliases: readonly string[];
      readonly publicKey: string;
      readonly allowedIPs: readonly string[];
      readonly endpoint: string;
    }[];
  }[];
}

export interface Rendered {
  /** The project directory: the stack is written here, beside the compose files. */
  readonly dir: string;
  readonly stack: string;
  readonly show: ShowJson;
  readonly stderr: string;
}

/**
 * Copies `source` (a directory, or a map of file contents) into a fresh directory named
 * `name` (the default project name), runs `render ARGS` there and then `show --json ARGS`.
 */
export async function renderProject(
  name: string,
  source: string | Readonly<Record<string, string>>,
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<Rendered> {
  const dir = join(tempDir('project'), name);
  if (typeof source === 'string') cpSync(source, dir, { recursive: true, filter: (src) => !src.includes('/expected') });
  else {
    for (const [rel, text] of Object.entries(source)) {
      mkdirSync(join(dir, rel, '..'), { recursive: true });
      writeFileSync(join(dir, rel), text);
    }
  }
  const fullEnv = { ...fixedMaster(join(dir, '..')), ...env };
  const r = await runCli(['render', ...args], { cwd: dir, env: fullEnv });
  if (r.code !== 0) throw new Error(`render ${args.join(' ')} in ${name} failed (exit ${r.code}):\n${r.stderr}`);
  writeFileSync(join(dir, 'stack.yml'), r.stdout);
  const show = await runCli(['show', '--json', ...args], { cwd: dir, env: fullEnv });
  if (show.code !== 0) throw new Error(`show --json failed: ${show.stderr}`);
  return { dir, stack: readFileSync(join(dir, 'stack.yml'), 'utf8'), show: JSON.parse(show.stdout) as ShowJson, stderr: r.stderr };
}
