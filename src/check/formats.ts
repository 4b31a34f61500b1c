// `check`'s machine-readable outputs: JSON for scripts, and SARIF 2.1.0 (OASIS, "Static
// Analysis Results Interchange Format") for code-scanning tools that show results inline.
// Paths are relative to the working directory, as in the text output.
import { pathToFileURL } from 'node:url';
import { CODES, type Code, type Diagnostic, type Severity } from '../diagnostics.js';

export interface OutputContext {
  /** Shown path of a diagnostic's file (relative to the working directory when inside it). */
  readonly display: (file: string) => string;
  readonly cwd: string;
  readonly version: string;
  /** Where the rule table is, for SARIF's helpUri. */
  readonly rulesUri: string;
}

export function toJson(ds: readonly Diagnostic[], files: readonly string[], ctx: OutputContext): string {
  const out = {
    version: 1,
    diagnostics: ds.map((d) => ({
      file: d.pos ? ctx.display(d.pos.file) : null,
      line: d.pos?.line ?? null,
      col: d.pos?.col ?? null,
      severity: d.severity,
      code: d.code,
      message: d.message,
      hint: d.hint ?? null,
    })),
    files: files.map(ctx.display),
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}

/** SARIF levels are ours by name (SARIF 2.1.0 §3.27.10: "error", "warning", "note"). */
const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', note: 'note' };

/**
 * A relative `uri` resolved against %SRCROOT% (the working directory), which code-scanning
 * services map to the repository root (SARIF 2.1.0 §3.4.4, §3.14.14); a file outside the
 * working directory gets an absolute file: URI.
 */
function artifactLocation(shown: string): { uri: string; uriBaseId?: string } {
  if (shown.startsWith('/')) return { uri: pathToFileURL(shown).href };
  return { uri: shown.split('/').map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' };
}

export function toSarif(ds: readonly Diagnostic[], ctx: OutputContext): string {
  const codes = Object.keys(CODES) as Code[];
  const index = new Map(codes.map((c, i) => [c, i]));
  const srcroot = pathToFileURL(ctx.cwd.endsWith('/') ? ctx.cwd : `${ctx.cwd}/`).href;
  const log = {
    $schema: 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'wg-compose',
            version: ctx.version,
            informationUri: ctx.rulesUri.replace(/#.*$/, ''),
            rules: codes.map((c) => ({
              id: c,
              shortDescription: { text: CODES[c] },
              helpUri: ctx.rulesUri,
            })),
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { uri: srcroot } },
        results: ds.map((d) => ({
          ruleId: d.code,
          ruleIndex: index.get(d.code)!,
          level: LEVEL[d.severity],
          message: { text: d.hint ? `${d.message} (hint: ${d.hint})` : d.message },
          ...(d.pos
            ? {
                locations: [
                  {
                    physicalLocation: {
                      artifactLocation: artifactLocation(ctx.display(d.pos.file)),
                      region: { startLine: d.pos.line, startColumn: d.pos.col },
                    },
                  },
                ],
              }
            : {}),
        })),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
