import { execFile } from 'node:child_process';
import { open, readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { findTokens, type GatehouseClient, type LeakVerdict } from '@gatehouse/sdk';
import { CliError, EXIT, type Io } from './io.js';
import { printJson } from './output.js';

/** A token found: where, and (when the server knows it) which. */
export interface Finding {
  /** `path:line`, or `commit:path:line` in git history. */
  location: string;
  source: 'file' | 'git';
  token: string;
  tokenId?: number;
  tokenName?: string;
  owner?: string;
  active?: boolean;
}

/** Directories never worth scanning (a repository's own store is read with --git). */
const SKIPPED_DIRS = new Set(['.git', 'node_modules']);
/** Files larger than this are skipped (tokens live in config, code and logs, not in media). */
const MAX_FILE_BYTES = 10 * 1024 * 1024;

async function* filesUnder(path: string): AsyncGenerator<string> {
  const s = await stat(path).catch(() => undefined);
  if (!s) throw new CliError(`${path}: no such file or directory`, EXIT.USAGE);
  if (s.isFile()) {
    yield path;
    return;
  }
  if (!s.isDirectory()) return;
  for (const entry of (await readdir(path, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = join(path, entry.name);
    if (entry.isDirectory() && !SKIPPED_DIRS.has(entry.name)) yield* filesUnder(full);
    else if (entry.isFile()) yield full;
  }
}

/** The text of a file, or undefined for a large or binary one (a NUL in its first 8 KiB). */
async function textOf(file: string): Promise<string | undefined> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size > MAX_FILE_BYTES) return undefined;
    const data = await handle.readFile();
    if (data.subarray(0, 8192).includes(0)) return undefined;
    return data.toString('utf8');
  } finally {
    await handle.close();
  }
}

export async function scanFiles(paths: string[], cwd: string): Promise<Finding[]> {
  const found: Finding[] = [];
  for (const path of paths) {
    for await (const file of filesUnder(path)) {
      const text = await textOf(file);
      if (text === undefined) continue;
      const shown = relative(cwd, file) || file;
      for (const f of findTokens(text)) found.push({ location: `${shown}:${f.line}`, source: 'file', token: f.token });
    }
  }
  return found;
}

const run = promisify(execFile);

/**
 * Tokens added anywhere in a repository's history (every ref): `git log -p` with no context,
 * reading each added line with its file and line number from the hunk headers.
 */
export async function scanGitHistory(repo: string): Promise<Finding[]> {
  let out: string;
  try {
    ({ stdout: out } = await run('git', ['-C', repo, 'log', '--all', '-p', '-U0', '--no-color', '--no-ext-diff', '--format=commit %H'], { maxBuffer: 1024 * 1024 * 1024 }));
  } catch (e) {
    throw new CliError(`${repo}: cannot read its git history (${(e as Error).message.split('\n')[0]})`);
  }
  // One finding per token and file, at the oldest commit that added it (the log is newest first).
  const found = new Map<string, Finding>();
  let commit = '';
  let file = '';
  let line = 0;
  for (const text of out.split('\n')) {
    if (text.startsWith('commit ')) commit = text.slice(7, 19);
    else if (text.startsWith('+++ ')) file = text === '+++ /dev/null' ? '' : text.slice(4).replace(/^b\//, '');
    else if (text.startsWith('@@')) line = Number(/\+(\d+)/.exec(text)?.[1] ?? 0);
    else if (text.startsWith('+') && file !== '') {
      for (const f of findTokens(text.slice(1))) {
        found.set(`${file}\0${f.token}`, { location: `${commit}:${file}:${line}`, source: 'git', token: f.token });
      }
      line++;
    }
  }
  return [...found.values()];
}

/** Adds what the server knows of each token (POST /api/introspect; needs a Manager or Admin token). */
export async function identify(client: GatehouseClient, findings: Finding[]): Promise<void> {
  const known = new Map<string, Awaited<ReturnType<GatehouseClient['introspect']>>>();
  for (const f of findings) {
    let i = known.get(f.token);
    if (i === undefined) known.set(f.token, (i = await client.introspect(f.token)));
    f.active = i.active;
    if (i.active) Object.assign(f, { tokenId: i.token_id, tokenName: i.token_name, owner: i.sub });
  }
}

export function describe(f: Finding): string {
  if (f.tokenId !== undefined) return `${f.location}: Gatehouse token ${f.tokenId} "${f.tokenName ?? ''}" of ${f.owner ?? '?'}${f.active ? ' (active)' : ''}`;
  if (f.active === false) return `${f.location}: Gatehouse token (revoked, expired or not of this server)`;
  return `${f.location}: Gatehouse token`;
}

/** Prints findings (never the tokens themselves) and the report's verdicts; exit 1 when anything was found. */
export function printFindings(io: Io, json: boolean, findings: Finding[], verdicts?: LeakVerdict[]): number {
  if (json) {
    printJson(io, findings.map(({ token: _secret, ...f }, i) => ({ ...f, ...(verdicts?.[i] ? { label: verdicts[i].label } : {}) })));
  } else {
    for (const [i, f] of findings.entries()) io.stdout.write(`${describe(f)}${verdicts?.[i] ? ` — reported: ${verdicts[i].label}` : ''}\n`);
    io.stderr.write(findings.length === 0 ? 'No Gatehouse tokens found.\n' : `${findings.length} Gatehouse token${findings.length === 1 ? '' : 's'} found.\n`);
  }
  return findings.length === 0 ? EXIT.OK : EXIT.ERROR;
}
