// Undoes, on a rendered stack, what wg-compose adds on purpose, so that what is left can be
// compared with the input as docker-compose reads it: the sidecars and namespace owners go
// (their namespace attributes — ports, networks, hostname, dns… — back to the application,
// without the alias wg-compose adds), `network_mode: service:NAME-wgns`, the `extra_hosts`
// lines for link names (tunnel addresses), the depends_on on the sidecar, the generated
// secrets and the `x-wireguard` block. Not a test file: uvu only runs *.test.js.
import { NAMESPACE_ATTRIBUTES } from '../../src/render/stack.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The rendered stack (parsed) without wg-compose's additions; it copies nothing it keeps. */
export function stripStack(stack: Obj): Obj {
  const services = isObj(stack['services']) ? stack['services'] : {};
  const tunnel = tunnelAddresses(stack['x-wireguard']);
  const out: Obj = {};
  const kept: Obj = {};
  for (const [name, svc] of Object.entries(services)) {
    if (!isObj(svc)) continue;
    const role = isObj(svc['labels']) ? svc['labels']['dev.wg-compose.role'] : undefined;
    if (role === 'namespace' || role === 'sidecar') continue;
    const app: Obj = { ...svc };
    const owner = services[`${name}-wgns`];
    if (app['network_mode'] === `service:${name}-wgns` && isObj(owner)) {
      delete app['network_mode'];
      for (const key of NAMESPACE_ATTRIBUTES) if (Object.hasOwn(owner, key)) app[key] = owner[key];
      if (isObj(owner['sysctls'])) app['sysctls'] = { ...(isObj(app['sysctls']) ? app['sysctls'] : {}), ...owner['sysctls'] };
      if (isObj(app['networks'])) app['networks'] = withoutAlias(app['networks'], name);
      // `networks: {default: null}` is what no `networks` means; wg-compose writes it out to
      // put the alias on it.
      if (isObj(app['networks']) && Object.keys(app['networks']).join() === 'default' && app['networks']['default'] === null) delete app['networks'];
      if (Array.isArray(app['extra_hosts'])) {
        const hosts = app['extra_hosts'].filter((h) => typeof h !== 'string' || !tunnel.has(h.slice(h.indexOf(':') + 1)));
        if (hosts.length > 0) app['extra_hosts'] = hosts;
        else delete app['extra_hosts'];
      }
      if (isObj(app['depends_on'])) {
        const deps = { ...app['depends_on'] };
        delete deps[`${name}-wg`];
        app['depends_on'] = deps;
      }
    }
    kept[name] = app;
  }
  out['services'] = kept;
  for (const [key, value] of Object.entries(stack)) {
    if (key === 'services' || key === 'x-wireguard') continue;
    if (key === 'secrets' && isObj(value)) {
      const user = Object.fromEntries(Object.entries(value).filter(([n]) => !n.endsWith('-wg-conf')));
      if (Object.keys(user).length > 0) out[key] = user;
      continue;
    }
    out[key] = value;
  }
  return out;
}

/** The alias NAME wg-compose puts on the namespace owner, so NAME keeps its name, removed. */
function withoutAlias(networks: Obj, name: string): Obj {
  const out: Obj = {};
  for (const [net, cfg] of Object.entries(networks)) {
    if (!isObj(cfg)) {
      out[net] = cfg;
      continue;
    }
    const c = { ...cfg };
    const aliases = Array.isArray(c['aliases']) ? c['aliases'].filter((a) => a !== name) : [];
    if (aliases.length > 0) c['aliases'] = aliases;
    else delete c['aliases'];
    out[net] = Object.keys(c).length > 0 ? c : null;
  }
  return out;
}

function tunnelAddresses(block: unknown): Set<string> {
  const out = new Set<string>();
  const topology = isObj(block) && isObj(block['topology']) ? block['topology'] : {};
  for (const node of Object.values(topology)) {
    if (isObj(node) && Array.isArray(node['addresses'])) for (const a of node['addresses']) out.add(String(a));
  }
  return out;
}
