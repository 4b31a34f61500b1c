// The handlebars templates in templates/, compiled once per process. Values are inserted
// verbatim (noEscape: these are config files, not HTML); YAML templates pass every value
// through the `json` helper so a value can never change the document's structure.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';

const TEMPLATE_DIR = fileURLToPath(new URL('../../../templates/', import.meta.url));

const hb = Handlebars.create();
hb.registerHelper('json', (v: unknown) => JSON.stringify(v));
hb.registerHelper('join', (list: unknown, sep: unknown) => (Array.isArray(list) ? list.join(typeof sep === 'string' ? sep : ', ') : ''));

const cache = new Map<string, Handlebars.TemplateDelegate>();

export function template(name: string): Handlebars.TemplateDelegate {
  let t = cache.get(name);
  if (!t) {
    t = hb.compile(readFileSync(`${TEMPLATE_DIR}${name}`, 'utf8'), { noEscape: true, strict: true });
    cache.set(name, t);
  }
  return t;
}

let script: string | undefined;
/** templates/sidecar.sh: the sidecar's program, shared by the stack, the tunnel tests and the tools image. */
export const sidecarScript = (): string => (script ??= readFileSync(`${TEMPLATE_DIR}sidecar.sh`, 'utf8'));
