import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { V8_FLAGS, withV8Flags } from './v8-flags.js';

const repo = (path: string) => new URL(`../../../../${path}`, import.meta.url);

describe('V8 flags, given to Node at start', () => {
  it('npm start passes them', () => {
    const { scripts } = JSON.parse(readFileSync(repo('package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(scripts.start).toBe(`node ${V8_FLAGS.join(' ')} packages/server/dist/main.js`);
  });

  it("the gatehouse command's launcher passes them on its first line", () => {
    const { bin } = JSON.parse(readFileSync(repo('packages/cli/package.json'), 'utf8')) as { bin: Record<string, string> };
    const launcher = readFileSync(repo(`packages/cli/${bin.gatehouse}`), 'utf8');
    expect(launcher.split('\n')[0]).toBe(`#!/usr/bin/env -S node ${V8_FLAGS.join(' ')}`);
  });

  it("cluster workers get them, unless the operator set the flag (the operator's value wins)", () => {
    expect(withV8Flags([])).toEqual([...V8_FLAGS]);
    expect(withV8Flags(['--enable-source-maps'])).toEqual([...V8_FLAGS, '--enable-source-maps']);
    expect(withV8Flags(['--heap-growing-percent=80'])).toEqual(['--max-semi-space-size=16', '--heap-growing-percent=80']);
    expect(withV8Flags(['--heap_growing_percent=80', '--max-semi-space-size=8'])).toEqual(['--heap_growing_percent=80', '--max-semi-space-size=8']);
    expect(withV8Flags(withV8Flags([]))).toEqual([...V8_FLAGS]);
  });
});
