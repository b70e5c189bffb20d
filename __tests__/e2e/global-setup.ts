// Before any test: the end-to-end tests run the action from source (helpers.ts) with the packages
// it imports bundled once (scripts/from-source-hooks.mjs), unless E2E_NODE runs the bundle instead.
import { buildVendor } from '../../scripts/from-source-hooks.mjs';

export default async function setup(): Promise<void> {
  if (!process.env.E2E_NODE) await buildVendor();
}
