// The two services wg-compose adds beside each linked one, the namespace owner and the
// WireGuard sidecar, from templates/sidecar.yml.hbs (see it for why there are two).
import { parse } from 'yaml';
import type { Json, JsonObject } from '../load/located.js';
import { namespaceName, secretName } from '../model/names.js';
import type { Settings } from '../model/settings.js';
import { STATUS_MOUNT } from '../sidecar-contract.js';
import { serviceFileBase, statusPathInStack } from '../state/paths.js';
import type { SharedValue } from './stringify-stack.js';
import { sidecarScript, template } from './templates.js';

/** Stands for the service name in the parsed template; no service name or setting holds U+0001. */
const SERVICE_PLACEHOLDER = '\u0001wg-compose-service\u0001';
/** Stands for the base of the service's file names in the state directory (serviceFileBase). */
const FILE_PLACEHOLDER = '\u0001wg-compose-file\u0001';

export interface SidecarParts {
  namespace: JsonObject;
  sidecar: JsonObject;
}

/**
 * The namespace owner and sidecar from templates/sidecar.yml.hbs, with a placeholder for the
 * service name. It is rendered and parsed once per stack, and each service gets a copy with
 * its name filled in (fillName): parsing it for every service was most of the time of
 * rendering a large stack.
 */
export function sidecarTemplate(settings: Settings, project: string): SidecarParts {
  const text = template('sidecar.yml.hbs')({
    service: SERVICE_PLACEHOLDER,
    image: settings.image,
    networkMode: `service:${namespaceName(SERVICE_PLACEHOLDER)}`,
    secret: secretName(SERVICE_PLACEHOLDER),
    iface: settings.iface,
    healthInterval: settings.healthInterval,
    configName: `${settings.iface}.conf`,
    configPath: `/run/secrets/${settings.iface}.conf`,
    statusVolume: `${statusPathInStack(project, FILE_PLACEHOLDER)}:${STATUS_MOUNT}`,
    script: embeddedScript(),
  });
  return parse(text) as SidecarParts;
}

/** A deep copy (prototype-free maps, like the rest of the model) with the placeholders replaced by the name and its file base. */
export function fillName(v: unknown, name: string, base = serviceFileBase(name)): Json {
  if (typeof v === 'string') return v.includes('\u0001') ? v.replaceAll(SERVICE_PLACEHOLDER, () => name).replaceAll(FILE_PLACEHOLDER, () => base) : v;
  if (Array.isArray(v)) return v.map((x) => fillName(x, name, base));
  if (v !== null && typeof v === 'object') {
    const out = obj();
    for (const k of Object.keys(v)) out[k] = fillName((v as Record<string, unknown>)[k], name, base);
    return out;
  }
  return v as Json;
}

/**
 * The sidecar script (or another of templates/) as the sidecar's command, comment lines
 * dropped (the stack points at templates/ for the commented source). Its "$" are escaped with everything else.
 */
export function embeddedScript(script = sidecarScript()): string {
  const lines = script
    .split('\n')
    .filter((l) => !/^\s*#/.test(l));
  return lines.join('\n').replace(/\n{3,}/g, '\n\n').trim() + '\n';
}

/** The anchor of the sidecar's script in the stack (see sharedScript). */
export const SCRIPT_ANCHOR = 'wg-compose-sidecar-script';

/**
 * The sidecar's command, the same kilobytes of script in every sidecar, written in full in the
 * first one (anchored) and as an alias in the others: most of a large stack's bytes otherwise.
 */
export function sharedScript(sidecar: SidecarParts): SharedValue | undefined {
  const command = sidecar.sidecar['command'];
  if (!Array.isArray(command) || command.length !== 1 || typeof command[0] !== 'string') return undefined;
  const escaped = command[0].replaceAll('$', '$$$$');
  return { key: 'command', anchor: SCRIPT_ANCHOR, is: (v) => Array.isArray(v) && v.length === 1 && v[0] === escaped };
}

const obj = (): JsonObject => Object.create(null) as JsonObject;
