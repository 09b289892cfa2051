import { createKeyring } from '@gatehouse/core';
import { openStore } from '@gatehouse/db';
import Fastify, { type FastifyRequest } from 'fastify';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';
import { testPasswords } from '../test-support/test-app.js';
import { fastifyLogging } from '../fast-path/request-logger.js';
import { wireGatehouse } from '../gatehouse.js';
import { createLogger } from './logging.js';

/** An app whose PostgreSQL cannot be reached (nothing listens on port 1), logging into `lines`. */
async function appWithLogs(level: 'info' | 'debug') {
  const lines: Record<string, unknown>[] = [];
  const store = openStore({ databaseUrl: 'postgres://postgres@127.0.0.1:1/none', dataDir: '/tmp' });
  const gatehouse = wireGatehouse({
    config: loadConfig({}),
    store,
    keyring: createKeyring([{ secret: 'x'.repeat(40) }]),
    passwords: testPasswords,
    logger: { level, stream: { write: (line: string) => void lines.push(JSON.parse(line)) } },
  });
  const app = await buildApp(gatehouse);
  return { app, lines, close: async () => { await app.close(); await gatehouse.close(); await store.close(); } };
}

it("logs a failed request's error with the request id its answer shows, and no line per request at info", async () => {
  const { app, lines, close } = await appWithLogs('info');
  try {
    for (let i = 0; i < 3; i++) expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect(lines).toEqual([]);
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'a@b.io', password: 'whatever-long' } });
    expect(login.statusCode).toBe(503);
    const { request_id: requestId } = login.json();
    const errors = lines.filter((l) => l.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ reqId: requestId, msg: 'The database is unavailable; try again shortly' });
  } finally {
    await close();
  }
});

it('writes one line per request at debug level, with the status and without the credential', async () => {
  const { app, lines, close } = await appWithLogs('debug');
  try {
    const res = await app.inject({ method: 'GET', url: '/api/users/me?access_token=abc.def.ghi', headers: { authorization: 'Bearer abc.def.ghi' } });
    expect(res.statusCode).toBe(401);
    const requestLines = lines.filter((l) => l.msg === 'request');
    expect(requestLines).toEqual([expect.objectContaining({ reqId: res.json().request_id, method: 'GET', status: 401, url: '/api/users/me?access_token=[redacted]' })]);
    expect(JSON.stringify(lines)).not.toContain('abc.def.ghi');
  } finally {
    await close();
  }
});

it("a route's own log level decides for its requests, above or below the app's", async () => {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ stream: { write: (line: string) => void lines.push(JSON.parse(line)) } }, 'info');
  const app = Fastify(fastifyLogging(log));
  const logAll = (request: FastifyRequest) => {
    request.log.debug('debug line');
    request.log.info('info line');
    return {};
  };
  app.get('/verbose', { logLevel: 'debug' }, logAll);
  app.get('/quiet', { logLevel: 'warn' }, logAll);
  app.get('/default', logAll);
  try {
    for (const url of ['/verbose', '/quiet', '/default']) expect((await app.inject({ method: 'GET', url })).statusCode).toBe(200);
    expect(lines.map((l) => `${l.msg} ${l.reqId}`)).toEqual(['debug line req-1', 'info line req-1', 'info line req-3']);
  } finally {
    await app.close();
  }
});

describe("the process's log lines", () => {
  /** Standard output as the logger sees it: a terminal or not. */
  const stdout = (isTTY: boolean) => Object.assign(new PassThrough(), { isTTY, hasColors: () => false });

  it('are readable on a terminal: time, level and message, then the other fields', () => {
    const out = stdout(true);
    createLogger(undefined, 'info', out).info({ token_id: 3 }, 'Gatehouse listening on http://127.0.0.1:8000');
    const text = String(out.read());
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: Gatehouse listening on http:\/\/127\.0\.0\.1:8000\n\s+token_id: 3\n$/);
  });

  it('are JSON otherwise (log collectors), one object a line', () => {
    const out = stdout(false);
    createLogger(undefined, 'info', out).info({ token_id: 3 }, 'Gatehouse listening');
    const lines = String(out.read()).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual([expect.objectContaining({ level: 30, msg: 'Gatehouse listening', token_id: 3 })]);
  });

  it('never show a credential, readable or not', () => {
    for (const isTTY of [true, false]) {
      const out = stdout(isTTY);
      createLogger(undefined, 'info', out).info({ headers: { authorization: 'Bearer abc.def.ghi', cookie: 'gatehouse_session=s3cr3t' } }, 'x');
      const text = String(out.read());
      expect(text).toContain('[redacted]');
      expect(text).not.toMatch(/abc\.def\.ghi|s3cr3t/);
    }
  });
});
