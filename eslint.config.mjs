// Lint: typescript-eslint's type-checked rules over every TypeScript file of the project; Prettier
// owns layout, so the rules that would argue with it are off (eslint-config-prettier).
import eslint from '@eslint/js';
import { defineConfig } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'coverage/', 'node_modules/', '.emulator/'] },
  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.mjs', '*.ts', 'scripts/*.mjs'] }, tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    rules: {
      // '_name' marks a parameter kept for its position and a property dropped by a rest pattern.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  // A function of the action that does not fit on a screen is doing more than one job (issue 23).
  {
    files: ['src/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }] },
  },
  // Every field Azure, GitHub or a token endpoint sends may be missing: src/ handles that case rather
  // than asserting it away (issue 22). A '!' on the action's own data needs a disable comment with its reason.
  { files: ['src/**/*.ts'], rules: { '@typescript-eslint/no-non-null-assertion': 'error' } },
  // The bare yardstick scripts and the az stand-in are plain JavaScript, outside the TypeScript project.
  { files: ['**/*.mjs'], extends: [tseslint.configs.disableTypeChecked], languageOptions: { globals: globals.node } },
  prettier,
);
