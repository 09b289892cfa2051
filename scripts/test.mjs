#!/usr/bin/env node
// The one test command (README, .ci/run): builds what the browser and process tests run, runs
// every vitest project, and ends with the plain summary line "N passed, N failed[, N skipped]".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

const requireAll = process.env.GATEHOUSE_REQUIRE_ALL === '1';
const extra = process.argv.slice(2);

const build = spawnSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
if (build.status !== 0) {
  console.log('\nbuild failed');
  console.log('0 passed, 1 failed');
  process.exit(1);
}

// The web app is built by Vite, which strips types without checking them: check them here.
const webTypes = spawnSync('npm', ['run', 'typecheck', '--silent', '-w', '@gatehouse/web'], { stdio: 'inherit' });
if (webTypes.status !== 0) {
  console.log('\nthe web app does not typecheck');
  console.log('0 passed, 1 failed');
  process.exit(1);
}

mkdirSync('test-results', { recursive: true });
const report = 'test-results/vitest.json';
rmSync(report, { force: true });
const run = spawnSync('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra], {
  stdio: 'inherit',
});

let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed = r.numPassedTests;
  failed = r.numFailedTests;
  skipped = r.numPendingTests + r.numTodoTests;
  // A file that failed to load (e.g. a required suite that could not start) counts as a failure.
  failed += r.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
} else {
  failed = 1;
}
let code = run.status ?? 1;
if (requireAll && skipped > 0) {
  console.log(`\nGATEHOUSE_REQUIRE_ALL=1: ${skipped} skipped test(s) count as failures here`);
  code = 1;
}
if (failed > 0 && code === 0) code = 1;
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(code);
