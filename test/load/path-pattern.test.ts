import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pathTable } from '../../src/load/path-pattern.js';

const table = pathTable<string>([
  ['services.*.ports', 'ports'],
  ['services.*.ports.*.target', 'target'],
  ['services.web.ports', 'never: the row above matches first'],
  ['x-wireguard.port', 'top port'],
]);

test('pathTable: `*` is exactly one segment, a key or an index alike', () => {
  assert.is(table.lookup(['services', 'web', 'ports']), 'ports');
  assert.is(table.lookup(['services', 'db', 'ports', '*', 'target']), 'target');
  assert.is(table.lookup(['services', 'web', 'ports', '*']), undefined);
  assert.is(table.lookup(['services', 'ports']), undefined);
  assert.is(table.lookup(['x-wireguard', 'port']), 'top port');
  assert.is(table.lookup([]), undefined);
});

test('pathTable: the first matching row wins', () => {
  assert.is(table.lookup(['services', 'web', 'ports']), 'ports');
});

test.run();
