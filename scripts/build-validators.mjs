// Compiles the JSON Schemas into standalone validator modules at build time, so no command
// pays for schema compilation at start-up (compiling the compose-spec schema takes ~190 ms;
// loading the generated code takes a few). Output: dist/validators/*.cjs (CommonJS: ajv's standalone ESM output still calls require()).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import AjvDraft04 from 'ajv-draft-04';
import standaloneCode from 'ajv/dist/standalone/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'validators');
mkdirSync(out, { recursive: true });
const read = (p) => JSON.parse(readFileSync(join(root, p), 'utf8'));

// strict: false because the compose-spec schema uses union types and keywords ajv's strict
// mode rejects; formats are not asserted (compose itself does not assert them either).
const options = { strict: false, allErrors: true, validateFormats: false, code: { source: true, esm: false } };

// ajv's deep equality (uniqueItems, const, enum) throws on prototype-less mappings, which is
// what the loader makes; the validators use src/validate/json-equal.ts instead, inlined so
// the generated files stay self-contained. tsc has built dist/src before this script runs.
const { jsonEqual } = await import('../dist/src/validate/json-equal.js');
const AJV_EQUAL = 'require("ajv/dist/runtime/equal").default';
function withJsonEqual(name, code) {
  // Fail the build, rather than ship ajv's comparison, if a new ajv names it differently.
  if (code.includes('runtime/equal') && !code.includes(AJV_EQUAL)) throw new Error(`${name}: ajv's equal is required in an unknown way`);
  return code.split(AJV_EQUAL).join(`(${jsonEqual.toString()})`);
}

function emit(name, schema, refs = {}) {
  const ajv = new Ajv2020.default(options);
  ajv.addSchema(schema, 'main');
  const code = standaloneCode.default(ajv, { validate: 'main', ...refs });
  writeFileSync(join(out, `${name}.cjs`), withJsonEqual(name, code));
}

emit('compose-spec', read('schema/vendor/compose-spec.schema.json'));
const xwg = read('schema/x-wireguard.schema.json');
{
  const ajv = new Ajv2020.default(options);
  ajv.addSchema(xwg);
  const code = standaloneCode.default(ajv, { project: `${xwg.$id}#/$defs/project`, service: `${xwg.$id}#/$defs/service` });
  writeFileSync(join(out, 'x-wireguard.cjs'), withJsonEqual('x-wireguard', code));
}

// LinuxKit's image-spec schema is draft-04 (ajv's core dropped draft-04; ajv-draft-04 is its
// draft-04 build). `wg-compose moby` checks every file it emits against it.
{
  const ajv = new AjvDraft04(options);
  ajv.addSchema(read('schema/vendor/linuxkit-moby.schema.json'), 'main');
  writeFileSync(join(out, 'linuxkit-moby.cjs'), withJsonEqual('linuxkit-moby', standaloneCode.default(ajv, { validate: 'main' })));
}

// V8 code caches for the validators `check` and `render` load on every run (see
// src/code-cache.ts, whose compileModule is used here so that the cache matches what it
// compiles). Each module is run over the example projects first, so the functions a
// real file reaches are compiled and in the cache too, not only the top level. tsc has built
// dist/src before this script runs (npm run build).
{
  const { compileModule, cachePath } = await import('../dist/src/code-cache.js');
  const { parse } = await import('yaml');
  const { readdirSync } = await import('node:fs');
  const samples = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/^(docker-)?compose.*\.ya?ml$/.test(e.name)) samples.push(parse(readFileSync(p, 'utf8'), { merge: true }));
    }
  };
  walk(join(root, 'examples'));
  for (const name of ['compose-spec', 'x-wireguard']) {
    const file = join(out, `${name}.cjs`);
    const { exports, script } = compileModule(file, readFileSync(file, 'utf8'));
    for (const doc of samples) {
      if (name === 'compose-spec') exports.validate(doc);
      else for (const s of Object.values(doc?.services ?? {})) exports.service(s?.['x-wireguard'] ?? {}), exports.project(doc?.['x-wireguard'] ?? {});
    }
    writeFileSync(cachePath(file), script.createCachedData());
  }
}
