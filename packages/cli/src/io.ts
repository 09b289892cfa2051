import type { Readable, Writable } from 'node:stream';

/** Everything a command touches outside itself, injected so that the CLI is testable in-process too. */
export interface Io {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  stdin: Readable;
  env: NodeJS.ProcessEnv;
}

/** Exit codes scripts can rely on. */
export const EXIT = { OK: 0, ERROR: 1, USAGE: 2, AUTH: 3 } as const;

/** Wrong command line: exit 2 with the command's usage. */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(message: string, readonly usage?: string) {
    super(message);
  }
}

/** A failure already explained to the user: exit with `code`. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(message: string, readonly code: number = EXIT.ERROR) {
    super(message);
  }
}

export async function readAll(stream: Readable): Promise<string> {
  let data = '';
  for await (const chunk of stream) data += String(chunk);
  return data;
}

/** `--expires-in-days`: a number of days, or "never" (null). */
export function parseDays(raw: string | undefined, flag = '--expires-in-days'): number | null | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'never') return null;
  if (!/^\d+$/.test(raw)) throw new UsageError(`${flag} must be a number of days or "never", got "${raw}"`);
  return Number(raw);
}
