// The texts of a service's attributes that stringify-stack.ts writes more than once: those it
// has written before (AttributeCache), and the one value every sidecar shares, written once
// with an anchor and then as an alias (Aliases).
import type { Json, JsonObject } from '../load/located.js';

/** Where a service's attributes start, under `services:` and the service name. */
export const ATTRIBUTE_INDENT = 4;
export const ATTRIBUTE_PAD = ' '.repeat(ATTRIBUTE_INDENT);
/** Reused texts are kept up to this many characters in all: a bound, not a tuning knob. */
const CACHE_CHARS = 16 * 1024 * 1024;

/** A service attribute whose value, where it is this one, is written once in full and then as an alias. */
export interface SharedValue {
  readonly key: string;
  /** The anchor's name: YAML anchor characters only (no spaces, no flow indicators). */
  readonly anchor: string;
  /** Whether a (prepared) value of `key` is the shared one. */
  readonly is: (v: Json) => boolean;
}

/**
 * Texts of attributes by attribute name and value. A value is remembered the first time and
 * its text kept the second time, so values that occur once (most dependency lists) cost a
 * key, not a text.
 */
export class AttributeCache {
  private readonly seen = new Set<string>();
  private readonly texts = new Map<string, string>();
  private chars = 0;

  get(key: string, value: Json): string | undefined {
    return this.texts.get(cacheKey(key, value));
  }

  put(key: string, value: Json, text: string): void {
    const k = cacheKey(key, value);
    if (!this.seen.has(k)) {
      this.seen.add(k);
      return;
    }
    if (this.chars + text.length + k.length > CACHE_CHARS) return;
    this.chars += text.length + k.length;
    this.texts.set(k, text);
  }
}

/**
 * The shared value's texts: undefined until a service's attribute text is anchored (anchorIn),
 * its alias after that. A service written whole by the library (the first, say) writes the
 * value in full, which is still the same value.
 */
export class Aliases {
  private anchored = false;

  constructor(private readonly shared: SharedValue) {}

  text(key: string, value: Json): string | undefined {
    return this.anchored && key === this.shared.key && this.shared.is(value) ? `${ATTRIBUTE_PAD}${key}: *${this.shared.anchor}\n` : undefined;
  }

  /** Puts the anchor on the shared attribute's text, once there is one: `key: &anchor` then the value as it was. */
  anchorIn(keys: readonly string[], svc: JsonObject, texts: (string | undefined)[]): void {
    if (this.anchored) return;
    const i = keys.indexOf(this.shared.key);
    const text = texts[i];
    if (i < 0 || text === undefined || !this.shared.is(svc[this.shared.key]!)) return;
    const head = `${ATTRIBUTE_PAD}${this.shared.key}:`;
    if (!text.startsWith(head)) return;
    texts[i] = `${head} &${this.shared.anchor}${text.slice(head.length)}`;
    this.anchored = true;
  }
}

/** JSON tells every value apart but -0 from 0, which YAML writes differently. */
const cacheKey = (key: string, value: Json): string => `${key}\0${JSON.stringify(value, (_k, v: unknown) => (v === 0 && 1 / v < 0 ? '\0-0' : v))}`;
