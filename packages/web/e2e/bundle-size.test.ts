/**
 * Budget: the first page (entry, its static imports, CSS, and the lazy chunks of the page
 * shown) stays under 400 kB gzipped, for both first pages a visitor can get: the login page and
 * the signed-in Settings → Tokens page.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { DIST, ensureWebBuilt } from './support/harness.js';

interface Chunk {
  file: string;
  src?: string;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
}
type Manifest = Record<string, Chunk>;

const BUDGET = 400 * 1024;

function closure(manifest: Manifest, keys: string[]): Set<string> {
  const files = new Set<string>();
  const seen = new Set<string>();
  const visit = (key: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    const chunk = manifest[key];
    if (!chunk) throw new Error(`no chunk ${key} in the manifest`);
    files.add(chunk.file);
    for (const css of chunk.css ?? []) files.add(css);
    for (const i of chunk.imports ?? []) visit(i);
  };
  keys.forEach(visit);
  return files;
}

const gz = (file: string) => gzipSync(readFileSync(join(DIST, file)), { level: 9 }).length;

describe('bundle budget', () => {
  let manifest: Manifest;
  beforeAll(() => {
    ensureWebBuilt();
    manifest = JSON.parse(readFileSync(join(DIST, '.vite/manifest.json'), 'utf8')) as Manifest;
  });

  const pages: Record<string, string[]> = {
    login: ['index.html', 'src/features/auth/login-page.tsx'],
    'settings/tokens': [
      'index.html',
      'src/components/app-layout.tsx',
      'src/pages/settings/settings-page.tsx',
      'src/features/tokens/tokens-tab.tsx',
    ],
  };

  for (const [page, keys] of Object.entries(pages)) {
    it(`keeps the ${page} first page under 400 kB gzipped`, () => {
      const files = [...closure(manifest, keys)];
      const total = files.reduce((sum, f) => sum + gz(f), 0);
      console.info(`[bundle] ${page}: ${(total / 1024).toFixed(1)} kB gzipped in ${files.length} files`);
      expect(total).toBeLessThan(BUDGET);
    });
  }
});
