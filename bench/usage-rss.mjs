#!/usr/bin/env node
// Memory of usage counting (issue 22): a real server (SQLite, `npm start`'s V8 flags) whose
// 100,000 tokens are each used once within one counts period, counting on and counting off;
// its RSS before the counts are written (GATEHOUSE_USAGE_COUNTS_FLUSH_MS is an hour here).
//
//   npm run build && node bench/usage-rss.mjs [--tokens 100000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { V8_FLAGS } from '@gatehouse/server/v8-flags';
import { freePort, load, rssMB, sleep, startProcess } from './lib.mjs';
import { seed } from './seed.mjs';

const { values: args } = parseArgs({ options: { tokens: { type: 'string', default: '100000' } } });
const TOKENS = Number(args.tokens);
const SECRET = 'bench-secret-0123456789abcdefghijklmnopqrstuvwxyz';
const MAIN = new URL('../packages/server/dist/main.js', import.meta.url).pathname;

const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-usage-rss-'));
try {
  const seeded = await seed({ dataDir, secret: SECRET, tokens: TOKENS, minted: TOKENS, datastores: 10 });
  for (const counting of ['false', 'true']) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const gh = await startProcess(process.execPath, [...V8_FLAGS, MAIN, 'serve'], {
      GATEHOUSE_PORT: String(port), GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_SECRET: SECRET, GATEHOUSE_LOG_LEVEL: 'warn',
      GATEHOUSE_LIMIT_INVALID_TOKEN: 'off', GATEHOUSE_USAGE_COUNTING: counting, GATEHOUSE_USAGE_COUNTS_FLUSH_MS: '3600000',
    }, async () => (await fetch(`${url}/healthz`)).ok, 'gatehouse');
    try {
      const idle = rssMB(gh.child.pid);
      let i = 0;
      const r = await load({ url: `${url}/api/users/me`, amount: TOKENS, next: () => ({ headers: { authorization: `Bearer ${seeded.secrets[i++]}` } }) });
      await sleep(3000); // last_used written; the counts (when on) still held
      console.log(`counting ${counting === 'true' ? 'on ' : 'off'}: RSS ${idle.toFixed(0)} MB idle, ${rssMB(gh.child.pid).toFixed(0)} MB after ${TOKENS.toLocaleString()} tokens used once each (${r.non2xx} non-2xx)`);
    } finally {
      await gh.stop();
    }
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
