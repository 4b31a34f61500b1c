// `wg-compose check [PATH]...`: the pre-commit gate. Text diagnostics go to stderr like every
// command's; `--format json|sarif` puts a report on stdout for tools. Exit 0 clean, 1 errors
// (or warnings with --strict), 2 usage. It needs no secret and creates nothing.
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runChecks } from '../check/check.js';
import { toJson, toSarif, type OutputContext } from '../check/formats.js';
import { findTargets } from '../check/targets.js';
import { dedupe, sortDiagnostics } from '../diagnostics.js';
import { diskReaderFor } from '../system/disk-reader.js';
import type { CheckCliOptions } from './check-options.js';
import { EXIT, type CliIO } from './io.js';
import { displayPath, textReporter } from './report.js';

const PACKAGE_ROOT = new URL('../../../', import.meta.url);

export function runCheck(io: CliIO, paths: readonly string[], o: CheckCliOptions): number {
  const envr = { cwd: io.cwd, env: io.env, reader: diskReaderFor(io.env) };
  const found = findTargets(paths, envr);
  if (found.missing.length > 0) {
    for (const m of found.missing) io.stderr(`wg-compose check: no such file or directory: ${m}\n`);
    return EXIT.usage;
  }
  const result = runChecks(found.targets, envr, { profiles: o.profiles, locked: o.locked, target: o.target }, found.stateOwners);
  const ds = sortDiagnostics(dedupe([...found.diagnostics, ...result.diagnostics]));
  const display = (f: string) => displayPath(io.cwd, f);

  if (o.format === 'text') {
    const format = textReporter(io);
    for (const d of ds) io.stderr(`${format(d)}\n`);
    if (ds.length > 0) io.stderr(`wg-compose check: ${summary(ds, result.files.length)}\n`);
  } else {
    const pkg = JSON.parse(readFileSync(new URL('package.json', PACKAGE_ROOT), 'utf8')) as { version: string; homepage?: string };
    const ctx: OutputContext = {
      display,
      cwd: io.cwd,
      version: pkg.version,
      // The README's rule table: online when the package names its home, else the installed copy.
      rulesUri: `${pkg.homepage ?? pathToFileURL(fileURLToPath(new URL('README.md', PACKAGE_ROOT))).href}#check-rules`,
    };
    io.stdout(o.format === 'json' ? toJson(ds, result.files, ctx) : toSarif(ds, ctx));
  }
  const errors = ds.some((d) => d.severity === 'error');
  const warnings = ds.some((d) => d.severity === 'warning');
  return errors || (o.strict && warnings) ? EXIT.input : EXIT.ok;
}

function summary(ds: readonly { severity: string }[], files: number): string {
  const n = (sev: string) => ds.filter((d) => d.severity === sev).length;
  const count = (k: number, what: string) => `${k} ${what}${k === 1 ? '' : 's'}`;
  return `${count(files, 'file')} checked: ${count(n('error'), 'error')}, ${count(n('warning'), 'warning')}, ${count(n('note'), 'note')}`;
}
