import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIGRATE_HELP, runServerCommand, SERVE_HELP, SERVER_HELP } from './command-line.js';

/** Runs a command line with the given environment, collecting what it writes. */
async function run(argv: string[], env: NodeJS.ProcessEnv = {}, opts: { defaultCommand?: 'serve' } = {}) {
  let stdout = '';
  let stderr = '';
  const io = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env };
  const code = await runServerCommand(argv, io, opts);
  return { code, stdout, stderr };
}

describe('the serve and migrate command line (the server entry point and the CLI)', () => {
  it('--help: the usage of the command asked for, or of both on the server entry point', async () => {
    expect(await run(['serve', '--help'])).toEqual({ code: 0, stdout: SERVE_HELP, stderr: '' });
    expect(await run(['migrate', '-h'])).toEqual({ code: 0, stdout: MIGRATE_HELP, stderr: '' });
    expect(await run(['--help'], {}, { defaultCommand: 'serve' })).toEqual({ code: 0, stdout: SERVER_HELP, stderr: '' });
    expect(await run(['help'], {}, { defaultCommand: 'serve' })).toEqual({ code: 0, stdout: SERVER_HELP, stderr: '' });
  });

  it('an unknown command, flag or bad setting is a usage error (exit 2) saying what is wrong', async () => {
    expect(await run(['frobnicate'], {}, { defaultCommand: 'serve' })).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command "frobnicate"') });
    expect(await run(['migrate', '--colour', 'red'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^gatehouse: configuration error: .*--colour/) });
    expect(await run(['serve', '--port', 'eighty'])).toMatchObject({ code: 2, stderr: 'gatehouse: configuration error: GATEHOUSE_PORT must be an integer from 0 to 65535, got "eighty"\n' });
    expect(await run(['migrate'], { GATEHOUSE_PORTT: '1' })).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown setting GATEHOUSE_PORTT') });
  });

  it('migrate applies the migrations once, with settings from flags or the environment', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-migrate-'));
    try {
      const first = await run(['migrate', '--data-dir', dataDir]);
      expect(first).toMatchObject({ code: 0, stdout: expect.stringMatching(/^applied: 2026-11-29T00-00-initial, /), stderr: '' });
      expect(await run(['migrate'], { GATEHOUSE_DATA_DIR: dataDir })).toEqual({ code: 0, stdout: 'database is up to date\n', stderr: '' });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a failure other than the command line: exit 1 with the error', async () => {
    const r = await run(['migrate', '--database-url', 'postgres://postgres@127.0.0.1:1/none']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^gatehouse: /);
  });
});
