// Project-wide WireGuard settings from the top-level `x-wireguard`, with defaults filled in.
// The schema has already checked types; this turns text into values and checks what a
// schema cannot (a pool must be a network, not an address with host bits).
import { error, type Diagnostic } from '../diagnostics.js';
import { valueLoc, type JsonObject } from '../load/located.js';
import { parsePrefix, type Prefix } from '../topology/cidr.js';

export interface Settings {
  readonly pool4: Prefix;
  readonly pool6: Prefix | undefined;
  readonly portBase: number;
  /** 1420 = 1500 − 80: WireGuard over IPv6 adds 40 (IPv6) + 8 (UDP) + 32 (WireGuard) bytes. */
  readonly mtu: number;
  readonly keepalive: number;
  readonly image: string;
  readonly iface: string;
  /**
   * The sidecars' healthcheck interval (a compose duration). Short, so applications start soon
   * after their tunnel is up (Docker runs the first check one interval after the start, and
   * before 25 has no start_interval); every check is an exec, which a large idle stack pays for.
   */
  readonly healthInterval: string;
}

/** The default MTU on swarm: the overlay's 1450 (VXLAN) minus WireGuard's 80 over IPv6. */
export const SWARM_MTU = 1370;

/** The tools image `wg-compose build init` produces (kernel/init); also the sidecar image. */
export const DEFAULT_IMAGE = 'localhost/wg-compose/tools:latest';

export const DEFAULTS = {
  pool: '10.150.0.0/16',
  port: 51820,
  mtu: 1420,
  keepalive: 0,
  image: DEFAULT_IMAGE,
  iface: 'wg0',
  healthInterval: '2s',
} as const;

export function resolveSettings(x: JsonObject | undefined): { settings: Settings | undefined; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const prefix = (key: 'pool' | 'pool6', family: 4 | 6, fallback?: string): Prefix | undefined => {
    const text = typeof x?.[key] === 'string' ? (x[key] as string) : fallback;
    if (text === undefined) return undefined;
    const p = parsePrefix(text);
    if ('error' in p) {
      diagnostics.push(error('WGC053', `x-wireguard.${key}: ${p.error}`, valueLoc(x, key)));
      return undefined;
    }
    if (p.family !== family) {
      diagnostics.push(error('WGC053', `x-wireguard.${key} must be an IPv${family} prefix`, valueLoc(x, key)));
      return undefined;
    }
    return p;
  };
  const pool4 = prefix('pool', 4, DEFAULTS.pool);
  const pool6 = prefix('pool6', 6);
  const num = (key: string, fallback: number) => (typeof x?.[key] === 'number' ? (x[key] as number) : fallback);
  const str = (key: string, fallback: string) => (typeof x?.[key] === 'string' ? (x[key] as string) : fallback);
  if (!pool4 || diagnostics.length > 0) return { settings: undefined, diagnostics };
  return {
    settings: {
      pool4,
      pool6,
      portBase: num('port', DEFAULTS.port),
      mtu: num('mtu', DEFAULTS.mtu),
      keepalive: num('keepalive', DEFAULTS.keepalive),
      image: str('image', DEFAULTS.image),
      iface: str('interface', DEFAULTS.iface),
      healthInterval: str('health_interval', DEFAULTS.healthInterval),
    },
    diagnostics,
  };
}
