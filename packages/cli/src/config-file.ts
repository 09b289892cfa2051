import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError } from './io.js';

/** What `gatehouse login` stores. */
export interface SavedLogin {
  url: string;
  token: string;
}

/** GATEHOUSE_CONFIG, else $XDG_CONFIG_HOME/gatehouse/config.json, else ~/.config/gatehouse/config.json. */
export function configPath(env: NodeJS.ProcessEnv): string {
  if (env.GATEHOUSE_CONFIG) return env.GATEHOUSE_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'gatehouse', 'config.json');
}

export function readSavedLogin(env: NodeJS.ProcessEnv): SavedLogin | undefined {
  const file = configPath(env);
  if (!existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new CliError(`${file} is not valid JSON: delete it and run gatehouse login again`);
  }
  const p = parsed as Partial<SavedLogin>;
  if (typeof p.url !== 'string' || typeof p.token !== 'string') throw new CliError(`${file} has no url and token: run gatehouse login again`);
  return { url: p.url, token: p.token };
}

/** Writes the file with mode 0600 (atomically, and re-asserting the mode if it existed). */
export function writeSavedLogin(env: NodeJS.ProcessEnv, login: SavedLogin): string {
  const file = configPath(env);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(login, null, 2) + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
  return file;
}

export function fileMode(file: string): number {
  return statSync(file).mode & 0o777;
}
