// The templates the renderer uses are the files in templates/ (built into a module, not read at
// run time), and the sidecar contract is passed in, not written twice.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { TEMPLATE_SOURCES } from '../../src/generated/template-sources.js';
import { sidecarScript, template } from '../../src/render/templates.js';
import { READY_FILE, ROLE_LABEL, SERVICE_LABEL } from '../../src/sidecar-contract.js';

const DIR = fileURLToPath(new URL('../../../templates/', import.meta.url));

test('the built-in templates are exactly the files in templates/', () => {
  const files = readdirSync(DIR).sort();
  assert.equal(Object.keys(TEMPLATE_SOURCES).sort(), files);
  for (const f of files) assert.is(TEMPLATE_SOURCES[f], readFileSync(join(DIR, f), 'utf8'), f);
  assert.is(sidecarScript(), readFileSync(join(DIR, 'sidecar.sh'), 'utf8'));
});

test('the sidecar template takes the ready file and labels from the contract; the script defaults to the same file', () => {
  const out = parse(
    template('sidecar.yml.hbs')({ service: 'web', image: 'i', networkMode: 'service:web-wgns', secret: 's', iface: 'wg0', configName: 'wg0.conf', configPath: '/run/secrets/wg0.conf', script: 'true' }),
  ) as { namespace: { labels: Record<string, string> }; sidecar: { labels: Record<string, string>; healthcheck: { test: string[] } } };
  assert.equal(out.namespace.labels, { [ROLE_LABEL]: 'namespace', [SERVICE_LABEL]: 'web' });
  assert.equal(out.sidecar.labels, { [ROLE_LABEL]: 'sidecar', [SERVICE_LABEL]: 'web' });
  assert.equal(out.sidecar.healthcheck.test, ['CMD', 'test', '-f', READY_FILE]);
  const source = readFileSync(join(DIR, 'sidecar.yml.hbs'), 'utf8').replace(/\{\{!--[\s\S]*?--\}\}/, '');
  for (const literal of [READY_FILE, ROLE_LABEL, SERVICE_LABEL]) assert.not.ok(source.includes(literal), `${literal} is passed in, not written in the template`);
  assert.ok(sidecarScript().includes(`ready="\${WG_COMPOSE_READY:-${READY_FILE}}"`), 'templates/sidecar.sh defaults to the contract\'s ready file');
});

test.run();
