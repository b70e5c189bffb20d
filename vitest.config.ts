import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { stripTypes } from './scripts/from-source-hooks.mjs';

// vite names modules with '/' on Windows too (D:/a/repo/src/...).
const SRC = fileURLToPath(new URL('./src/', import.meta.url)).replaceAll('\\', '/');

export default defineConfig({
  // The tests load src/ as Node runs it from source (as the end-to-end steps do): types blanked out by
  // the same stripper, every offset where it is in the file, rather than compiled by vite. So vitest's
  // coverage and the steps' refer to the same places (scripts/coverage-provider.ts).
  plugins: [
    {
      name: 'strip-types',
      enforce: 'pre',
      transform: (code: string, id: string) => (id.startsWith(SRC) && id.endsWith('.ts') ? { code: stripTypes(code, id), map: null } : undefined),
    },
  ],
  oxc: { exclude: ['src/**/*.ts'] },
  test: {
    include: ['__tests__/**/*.test.ts', 'emulator/test/**/*.test.ts'],
    globalSetup: ['__tests__/e2e/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The end-to-end tests mostly wait on the steps they start (retries, backoffs, polls): with a
    // worker per core npm test kept 2 cores 111 % busy; two per core overlap the waits. On 2 cores,
    // quiet: 353 s instead of 405 s, the slowest single test 29 s (steps are stopped at 50 s).
    maxWorkers: Math.max(2, 2 * availableParallelism()),
    // On with --coverage (npm test): vitest's V8 coverage plus that of the steps the end-to-end
    // tests run from source in processes of their own (scripts/coverage-provider.ts).
    coverage: {
      provider: 'custom',
      customProviderModule: 'scripts/coverage-provider.ts',
      include: ['src/**/*.ts'],
      // Globs match anywhere in a path: without this, emulator/src/ would count as src/.
      exclude: ['emulator/**'],
      reporter: ['text-summary', 'text'],
      // The figures are printed even when a test fails.
      reportOnFailure: true,
      // What the suite reaches, less a point for the paths timing decides (retries, signals); raise
      // them as tests are added. Below any of them, npm test (and so .ci/run) fails.
      thresholds: { lines: 93, statements: 91, functions: 95, branches: 77 },
    },
  },
});
