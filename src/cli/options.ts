// Option values checked where the option is declared (commander's argParser): a bad value is a
// usage error (exit 2) with commander's own message, before any command runs.
import { InvalidArgumentError, Option } from 'commander';
import { TARGETS } from '../state/paths.js';

/** A repeatable option: every value, in the order given. */
export const collect = (value: string, previous: readonly string[]): string[] => [...previous, value];

/** `--dry-run` for a command that writes state or runs tools: what it would do, and nothing done. */
export const dryRunOption = (help: string): Option => new Option('--dry-run', help);

/** Where the stack runs (src/state/paths.ts): one host with compose, or a Docker Swarm. */
export const targetOption = (): Option =>
  new Option('--target <target>', 'compose (one host: docker-compose, podman) or swarm (docker stack deploy)').choices(TARGETS).default('compose');

/** `--timeout <seconds>`: a positive number (fractions allowed: tests wait less than a second). */
export function positiveSeconds(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number of seconds.');
  return n;
}

/** A repeatable `KEY=VALUE` (docker build's --build-arg): the pairs in order, a later key winning when read into a Map. */
export function keyValue(value: string, previous: readonly (readonly [string, string])[]): (readonly [string, string])[] {
  const i = value.indexOf('=');
  if (i <= 0) throw new InvalidArgumentError('must be KEY=VALUE.');
  return [...previous, [value.slice(0, i), value.slice(i + 1)]];
}
