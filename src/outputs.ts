// The second half of the pipeline's stages (src/pipeline.ts runs them: compile), loaded on
// demand so that `check`, which stops after the first half, never loads keys, renderer or
// templates.
export { buildTopology } from './topology/topology.js';
export { lockfileOf } from './topology/key-source.js';
export { renderStack } from './render/stack.js';
export { renderSwarmStack } from './render/swarm.js';
export { renderWgQuick } from './render/wg-quick.js';
export { configPathInStack } from './state/paths.js';
