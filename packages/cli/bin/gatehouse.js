#!/usr/bin/env -S node --heap-growing-percent=50 --max-semi-space-size=16
// The `gatehouse` command. This file is in git (dist/ is built), so that npm links the command
// at install time, before `prepare` builds. Its first line starts Node with the server's V8
// flags (packages/server/src/fast-path/v8-flags.ts), which Node reads at start only.
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (existsSync(main)) {
  await import(main.href);
} else {
  process.stderr.write('gatehouse: not built yet: run `npm run build` in the repository first\n');
  process.exitCode = 1;
}
