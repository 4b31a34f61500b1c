// How every command is declared: a name, help, its arguments and options as commander objects
// (values checked by their own choices/argParser), whether it takes compose's project options,
// and a run function that gets one typed object holding them all. main() registers the table;
// nothing else reads commander's untyped values.
import { Option, type Argument, type Command, type OptionValues } from 'commander';
import type { ProjectOptions } from '../load/project-options.js';
import { CHECK_OPTIONS, type CheckOptionDecl } from './check-options.js';
import type { CliIO } from './io.js';
import { collect } from './options.js';
import { projectOptions, withProjectOptions } from './project-options.js';

export interface CommandSpec<O> {
  readonly name: string;
  /** One line, in `wg-compose --help`. */
  readonly summary: string;
  /** The paragraph of `wg-compose NAME --help`. */
  readonly description: string;
  /** Positional arguments; each value lands in the run object under the argument's name. */
  readonly arguments?: readonly Argument[];
  readonly options?: readonly Option[];
  /** Takes compose's -f, -p, --project-directory, --env-file and --profile, as `project`. */
  readonly project?: boolean;
  /** Runs the command; the exit code it returns is the process's. Command modules load here, on demand. */
  readonly run: (io: CliIO, o: O) => Promise<number> | number;
}

/** A command as the table holds it: registers itself on the program. */
export type Registration = (program: Command, io: CliIO, done: (code: number) => void) => void;

/** The values of a command that takes project options. */
export interface WithProject {
  readonly project: ProjectOptions;
}

/** commander's camelCase of an argument name (`private-key-file` → `privateKeyFile`). */
const camel = (name: string): string => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * Declares a command. The one place commander's values become the command's own type: they
 * were produced by the declared arguments and options, whose parsers checked them.
 */
export function defineCommand<O>(spec: CommandSpec<O>): Registration {
  return (program, io, done) => {
    const cmd = program.command(spec.name).summary(spec.summary).description(spec.description);
    for (const a of spec.arguments ?? []) cmd.addArgument(a);
    for (const o of spec.options ?? []) cmd.addOption(o);
    if (spec.project) withProjectOptions(cmd);
    const positional = spec.arguments ?? [];
    cmd.action(async (...params: unknown[]) => {
      const values: Record<string, unknown> = { ...(params[positional.length] as OptionValues) };
      positional.forEach((a, i) => {
        values[camel(a.name())] = params[i];
      });
      if (spec.project) values['project'] = await projectOptions(io, values);
      done(await spec.run(io, values as O));
    });
  };
}

/** A commander option from check's data declaration (check-options.ts). */
export function optionFromDecl(d: CheckOptionDecl): Option {
  const o = new Option(d.flags, d.help);
  if (d.choices) o.choices(d.choices);
  if (d.multiple) o.argParser(collect);
  if (d.default !== undefined) o.default(d.default);
  return o;
}

export const checkOptions = (): Option[] => Object.values(CHECK_OPTIONS).map(optionFromDecl);

