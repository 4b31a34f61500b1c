// Compiles the JSON Schemas into standalone validator modules at build time, so no command
// pays for schema compilation at start-up (compiling the compose-spec schema takes ~190 ms;
// loading the generated code takes a few). Output: dist/validators/*.cjs (CommonJS: ajv's standalone ESM output still calls require()).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import standaloneCode from 'ajv/dist/standalone/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'validators');
mkdirSync(out, { recursive: true });
const read = (p) => JSON.parse(readFileSync(join(root, p), 'utf8'));

// strict: false because the compose-spec schema uses union types and keywords ajv's strict
// mode rejects; formats are not asserted (compose itself does not assert them either).
const options = { strict: false, allErrors: true, validateFormats: false, code: { source: true, esm: false } };

function emit(name, schema, refs = {}) {
  const ajv = new Ajv2020.default(options);
  ajv.addSchema(schema, 'main');
  const code = standaloneCode.default(ajv, { validate: 'main', ...refs });
  writeFileSync(join(out, `${name}.cjs`), code);
}

emit('compose-spec', read('schema/vendor/compose-spec.schema.json'));
const xwg = read('schema/x-wireguard.schema.json');
{
  const ajv = new Ajv2020.default(options);
  ajv.addSchema(xwg);
  const code = standaloneCode.default(ajv, { project: `${xwg.$id}#/$defs/project`, service: `${xwg.$id}#/$defs/service` });
  writeFileSync(join(out, 'x-wireguard.cjs'), code);
}
