#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm run build:server`, which `npm install` runs). In a
// checkout that was never built it runs the TypeScript source through tsx (a dev dependency).
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/cli.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
