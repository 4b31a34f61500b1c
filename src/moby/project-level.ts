// What a whole project asks for that one LinuxKit node cannot give: reported, not carried over.
import { warning, type Diagnostic } from '../diagnostics.js';
import { isObject, keyLoc, type JsonObject } from '../load/located.js';

/** What the whole project asks for that one LinuxKit node cannot give. */
export function projectLevel(model: JsonObject): Diagnostic[] {
  const out: Diagnostic[] = [];
  const volumes = model['volumes'];
  if (isObject(volumes)) {
    for (const v of Object.keys(volumes)) {
      const def = volumes[v];
      for (const key of ['driver', 'driver_opts', 'external']) {
        if (isObject(def) && def[key] !== undefined) {
          out.push(warning('WGC070', `volumes.${v}.${key}: LinuxKit volumes here are plain directories on the node; ${key} is not carried over`, keyLoc(def, key)));
        }
      }
    }
  }
  for (const key of ['secrets', 'configs']) {
    if (model[key] !== undefined) out.push(warning('WGC070', `${key}: not carried into the LinuxKit output (put the files in the image with files:)`, keyLoc(model, key)));
  }
  if (model['networks'] !== undefined) {
    out.push(
      warning(
        'WGC070',
        'networks: not created on a LinuxKit node: linked services reach each other only through WireGuard, the others share the node’s network',
        keyLoc(model, 'networks'),
      ),
    );
  }
  return out;
}
