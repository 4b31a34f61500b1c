// The handlebars templates in templates/, compiled once per process. Their text comes from
// src/generated/template-sources.ts, which the build makes from templates/ (scripts/
// build-templates.mjs): rendering reads no file. Values are inserted verbatim (noEscape: these
// are config files, not HTML); YAML templates pass every value through the `json` helper so a
// value can never change the document's structure. Every template also gets the sidecar
// contract (src/sidecar-contract.ts) as data: `@readyFile`, `@roleLabel`, `@serviceLabel`.
import Handlebars from 'handlebars';
import { TEMPLATE_SOURCES } from '../generated/template-sources.js';
import { SIDECAR_CONTRACT } from '../sidecar-contract.js';

const hb = Handlebars.create();
hb.registerHelper('json', (v: unknown) => JSON.stringify(v));
hb.registerHelper('join', (list: unknown, sep: unknown) => (Array.isArray(list) ? list.join(typeof sep === 'string' ? sep : ', ') : ''));

const cache = new Map<string, Handlebars.TemplateDelegate>();

function source(name: string): string {
  const text = TEMPLATE_SOURCES[name];
  if (text === undefined) throw new Error(`no template ${JSON.stringify(name)} in templates/ (rebuild after adding one)`);
  return text;
}

export function template(name: string): Handlebars.TemplateDelegate {
  let t = cache.get(name);
  if (!t) {
    const text = source(name);
    const compiled = hb.compile(text, { noEscape: true, strict: true });
    // Only a template that names the contract gets it: handlebars copies its data into a new
    // frame at every {{#each}} step, which for the wg-quick file (10,000 of them, a frame per
    // peer) was a tenth of a large render's time.
    const usesContract = Object.keys(SIDECAR_CONTRACT).some((k) => text.includes(`@${k}`));
    t = usesContract ? (context, options) => compiled(context, { ...options, data: { ...SIDECAR_CONTRACT, ...options?.data } }) : compiled;
    cache.set(name, t);
  }
  return t;
}

/** templates/sidecar.sh: the sidecar's program, shared by the stack, the tunnel tests and the tools image. */
export const sidecarScript = (): string => source('sidecar.sh');
/** templates/swarm-agent.sh: the swarm node agent's program (src/render/swarm.ts). */
export const swarmAgentScript = (): string => source('swarm-agent.sh');
/** templates/swarm-sidecar.sh: what the agent runs in each sidecar it starts. */
export const swarmSidecarScript = (): string => source('swarm-sidecar.sh');

/** templates/swarm-status.sh: one look at a node's sidecars, run by `status` as a global job (src/swarm/look.ts). */
export const swarmStatusScript = (): string => source('swarm-status.sh');
