// LinuxKit's image-spec schema (schema/vendor/linuxkit-moby.schema.json, draft-04), compiled
// at build time like the compose schemas. Everything `wg-compose moby` emits must pass it.
import { createRequire } from 'node:module';
import type { AjvError } from './schema.js';

type Validator = ((data: unknown) => boolean) & { errors?: AjvError[] | null };
const require = createRequire(import.meta.url);
let validator: Validator | undefined;

/** Schema errors as `path: message` lines; empty when the spec is valid. */
export function validateMobySpec(spec: unknown): string[] {
  validator ??= (require('../../validators/linuxkit-moby.cjs') as { validate: Validator }).validate;
  if (validator(spec)) return [];
  return (validator.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`);
}
