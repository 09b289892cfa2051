import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createKeyring, type Keyring } from '@gatehouse/core';
import { ConfigError } from './config.js';

export const SECRET_FILE = 'secret';

/** Parses `secret` or `kid:secret,kid:secret` (the first signs new tokens). */
export function parseSecrets(raw: string): Array<{ kid?: string; secret: string }> {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const m = /^([A-Za-z0-9_-]{1,32}):(.+)$/.exec(entry);
      return m && m[2]!.length >= 32 ? { kid: m[1]!, secret: m[2]! } : { secret: entry };
    });
}

/**
 * The keyring from GATEHOUSE_SECRET, or from `<dataDir>/secret`, generating that file (mode
 * 0600, created exclusively so that two starting processes agree) on first start.
 */
export function loadKeyring(secret: string | undefined, dataDir: string): { keyring: Keyring; generated: boolean } {
  let raw = secret;
  let generated = false;
  if (raw === undefined) {
    const file = join(dataDir, SECRET_FILE);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    try {
      writeFileSync(file, randomBytes(48).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
      generated = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if ((statSync(file).mode & 0o077) !== 0) {
        throw new ConfigError(`${file} is readable by other users: chmod 600 it`);
      }
    }
    raw = readFileSync(file, 'utf8').trim();
  }
  try {
    return { keyring: createKeyring(parseSecrets(raw)), generated };
  } catch (e) {
    throw new ConfigError(`GATEHOUSE_SECRET: ${(e as Error).message}`);
  }
}
