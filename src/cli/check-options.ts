// `check`'s options, declared once as data: commit hooks parse them with node's parseArgs
// (check-entry.ts, which must not load commander) and main with commander (commands-tools.ts).
// Both read this table, so the quick way in and main cannot disagree on what an option is.

export type CheckFormat = 'text' | 'json' | 'sarif';
export const CHECK_FORMATS: readonly CheckFormat[] = ['text', 'json', 'sarif'];

export interface CheckCliOptions {
  readonly format: CheckFormat;
  readonly strict: boolean;
  readonly locked: boolean;
  readonly profiles: readonly string[];
  /** Also what cannot work where the stack runs (src/model/check-swarm.ts for swarm). */
  readonly target: 'compose' | 'swarm';
}

export interface CheckOptionDecl {
  readonly flags: string;
  readonly help: string;
  readonly type: 'string' | 'boolean';
  /** Repeatable: every value, in order. */
  readonly multiple?: boolean;
  readonly choices?: readonly string[];
  readonly default?: string | readonly string[];
}

/** Keyed by the name both parsers give the value (commander camel-cases; these are single words). */
export const CHECK_OPTIONS: Readonly<Record<'format' | 'strict' | 'locked' | 'profile' | 'target', CheckOptionDecl>> = {
  format: { flags: '--format <format>', help: 'text on stderr, or a report on stdout', type: 'string', choices: CHECK_FORMATS, default: 'text' },
  strict: { flags: '--strict', help: 'warnings fail the check too', type: 'boolean' },
  locked: { flags: '--locked', help: 'a project with links but no wg-compose.lock is an error, not a note', type: 'boolean' },
  profile: { flags: '--profile <name>', help: 'enable services of a profile; repeatable, * for all (env COMPOSE_PROFILES)', type: 'string', multiple: true, default: [] },
  target: { flags: '--target <target>', help: 'swarm: also report what docker stack deploy leaves out or ignores', type: 'string', choices: ['compose', 'swarm'], default: 'compose' },
};

/** The options from either parser's values (absent booleans are false). */
export function checkCliOptions(values: Readonly<Record<string, unknown>>): CheckCliOptions {
  return {
    format: (values['format'] as CheckFormat | undefined) ?? 'text',
    strict: values['strict'] === true,
    locked: values['locked'] === true,
    profiles: (values['profile'] as string[] | undefined) ?? [],
    target: values['target'] === 'swarm' ? 'swarm' : 'compose',
  };
}
