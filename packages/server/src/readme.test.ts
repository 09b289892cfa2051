import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { SETTINGS } from './config.js';

it('the README documents every setting', () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const missing = Object.values(SETTINGS).filter((s) => !readme.includes(`\`${s.env}\``)).map((s) => s.env);
  expect(missing).toEqual([]);
});
