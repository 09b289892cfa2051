import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { DIALECTS } from '@gatehouse/db/test-support';
import { createTestApp, type TestApp } from '@gatehouse/server/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from './cli.js';

/* `gatehouse scan` (SPEC §11), run in-process against a real server listening on a free port. */

async function gatehouse(argv: string[], env: Record<string, string>, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += String(d)));
  stderr.on('data', (d) => (err += String(d)));
  const before = process.cwd();
  process.chdir(cwd);
  try {
    const code = await run(argv, { stdout, stderr, stdin: new PassThrough(), env: { GATEHOUSE_CONFIG: join(cwd, 'no-saved-login.json'), ...env } });
    return { code, stdout: out, stderr: err };
  } finally {
    process.chdir(before);
  }
}

const git = (dir: string, ...args: string[]) =>
  execFileSync('git', ['-C', dir, '-c', 'user.email=dev@example.com', '-c', 'user.name=Dev', '-c', 'commit.gpgsign=false', ...args], { stdio: 'pipe' });

describe.each(DIALECTS)('gatehouse scan [$kind]', ({ kind, available }) => {
  if (!available) {
    it.skip(`${kind} is not reachable`, () => {});
    return;
  }
  let t: TestApp;
  let url: string;
  const dirs: string[] = [];
  beforeAll(async () => {
    t = await createTestApp(kind);
    url = await t.server.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await t?.close();
  });
  const fresh = () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-scan-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('finds tokens in files and directories with file:line, skips binaries, node_modules and .git, and exits 1; a clean tree exits 0', async () => {
    const root = fresh();
    const a = await t.makeToken(t.adminToken, { name: `ci-deploy-${Math.random()}` });
    const b = await t.makeToken(t.adminToken, { name: `laptop-${Math.random()}` });
    writeFileSync(join(root, 'deploy.env'), `# deploy\nURL=https://x\nGATEHOUSE_TOKEN=${a.bearer_token}\n`);
    mkdirSync(join(root, 'config'));
    writeFileSync(join(root, 'config', 'settings.json'), `{\n  "token": "${b.bearer_token}"\n}\n`);
    writeFileSync(join(root, 'image.png'), Buffer.concat([Buffer.from([0x89, 0, 1]), Buffer.from(a.bearer_token)]));
    mkdirSync(join(root, 'node_modules'));
    writeFileSync(join(root, 'node_modules', 'vendored.js'), a.bearer_token);

    const offline = await gatehouse(['scan'], {}, root);
    expect(offline.code).toBe(1);
    expect(offline.stdout).toBe('config/settings.json:2: Gatehouse token\ndeploy.env:3: Gatehouse token\n');
    expect(offline.stdout + offline.stderr).not.toContain(a.bearer_token);

    // With a server (GATEHOUSE_URL/TOKEN): which token, whose, by introspection.
    const online = await gatehouse(['scan', 'deploy.env'], { GATEHOUSE_URL: url, GATEHOUSE_TOKEN: t.adminToken }, root);
    expect(online.stdout).toBe(`deploy.env:3: Gatehouse token ${a.id} "${a.name as string}" of admin@example.com (active)\n`);

    rmSync(join(root, 'deploy.env'));
    rmSync(join(root, 'config'), { recursive: true });
    const clean = await gatehouse(['scan', '.'], {}, root);
    expect([clean.code, clean.stdout, clean.stderr]).toEqual([0, '', 'No Gatehouse tokens found.\n']);
  });

  it('--git finds a token in the history of a repository although it was removed since', async () => {
    const repo = fresh();
    const tok = await t.makeToken(t.adminToken, { name: `committed-${Math.random()}` });
    git(repo, 'init', '-q');
    writeFileSync(join(repo, 'README.md'), '# app\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'first');
    writeFileSync(join(repo, 'ci.yml'), `steps:\n  - run: deploy\n    env:\n      TOKEN: ${tok.bearer_token}\n`);
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'oops');
    const added = git(repo, 'rev-parse', '--short=12', 'HEAD').toString().trim();
    rmSync(join(repo, 'ci.yml'));
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'remove the token');

    expect((await gatehouse(['scan', repo], {}, repo)).code).toBe(0);
    const history = await gatehouse(['scan', '--git', repo, '--json'], {}, repo);
    expect(history.code).toBe(1);
    expect(JSON.parse(history.stdout)).toEqual([{ location: `${added}:ci.yml:4`, source: 'git' }]);
  });

  it('--report sends what it found to POST /api/leaks: the tokens are revoked, and the verdicts printed', async () => {
    const root = fresh();
    const tok = await t.makeToken(t.adminToken, { name: `reported-${Math.random()}` });
    writeFileSync(join(root, 'leak.txt'), `token: ${tok.bearer_token}\n`);
    const res = await gatehouse(['scan', '--report'], { GATEHOUSE_URL: url, GATEHOUSE_TOKEN: t.adminToken }, root);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe(`leak.txt:1: Gatehouse token ${tok.id} "${tok.name as string}" of admin@example.com (active) — reported: true_positive\n`);
    expect((await t.request({ method: 'GET', url: '/api/users/me', token: tok.bearer_token })).statusCode).toBe(401);
    const shown = (await t.request({ method: 'GET', url: `/api/user-tokens/${tok.id}`, token: t.adminToken })).json();
    expect(shown.revoke_reason).toBe('leaked');
  });

  it('--report without a server is a usage error naming what is missing', async () => {
    const root = fresh();
    writeFileSync(join(root, 'leak.txt'), (await t.makeToken(t.adminToken, { name: `x-${Math.random()}` })).bearer_token);
    const res = await gatehouse(['scan', '--report'], {}, root);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('No Gatehouse server');
  });
});
