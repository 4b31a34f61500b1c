// Compose's project options, shared by every command that reads compose files.
import { Option, type Command } from 'commander';
import type { ProjectOptions } from '../load/project-options.js';
import type { CliIO } from './io.js';
import { collect } from './options.js';

export function withProjectOptions(cmd: Command): Command {
  return cmd
    .option('-f, --file <path>', 'compose file; repeat to merge several, in order (default: compose.yaml, docker-compose.yml, … with its override file; env COMPOSE_FILE)', collect, [])
    .option('-p, --project-name <name>', 'project name (default: COMPOSE_PROJECT_NAME, the top-level name:, or the project directory name)')
    .option('--project-directory <dir>', 'project directory (default: the directory of the first compose file)')
    .option('--env-file <path>', 'env file for interpolation; repeatable (default: .env in the project directory)', collect, [])
    .addOption(new Option('--profile <name>', 'enable services of a profile; repeatable (env COMPOSE_PROFILES)').argParser(collect).default([]));
}

/** The project options of a command's values; with `-f -`, standard input read as that file. */
export async function projectOptions(io: CliIO, o: Record<string, unknown>): Promise<ProjectOptions> {
  const files = (o['file'] as string[] | undefined) ?? [];
  return {
    files,
    stdin: files.includes('-') && io.readStdin ? await io.readStdin() : undefined,
    projectName: o['projectName'] as string | undefined,
    projectDirectory: o['projectDirectory'] as string | undefined,
    envFiles: (o['envFile'] as string[] | undefined) ?? [],
    profiles: (o['profile'] as string[] | undefined) ?? [],
  };
}
