// node --import ./scripts/from-source.mjs src/index.ts: runs the action from its TypeScript source
// on Node 20 as well as on Node 24 (see from-source-hooks.mjs). The end-to-end tests start the action
// this way unless E2E_NODE names a Node binary to run the committed bundle with.
import { register } from 'node:module';

register('./from-source-hooks.mjs', import.meta.url);
