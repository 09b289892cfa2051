/**
 * A throwaway in-memory stand-in for the Gatehouse server, used only to look at the UI while
 * the real server was being written (`npx tsx`-free: run through vitest or node --experimental-strip-types).
 * The journeys run against the real server (spawn-server.ts); this is not a contract.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';

interface U { id: number; user_id: string; user_name: string; email: string | null; name: string; user_type: 'Human' | 'Service'; role: string; teams: string[]; active: boolean; created: string; created_by_id: number | null; last_login: string | null; password?: string }
interface T { id: number; name: string; type: 'Personal' | 'Service'; active: boolean; scim_endpoints_only: boolean; expiration: string | null; created: string; created_by_id: number; last_used: string | null; last_used_ip: string | null; revoked_at: string | null; user_id: number; secret: string }

export async function startMockApi(distDir: string) {
  const now = () => new Date().toISOString();
  const users: U[] = [
    { id: 1, user_id: 'admin@example.com', user_name: 'admin@example.com', email: 'admin@example.com', name: 'Ada Admin', user_type: 'Human', role: 'Admin', teams: ['Public'], active: true, created: now(), created_by_id: null, last_login: now(), password: 'correct-horse-battery' },
  ];
  const teams = [{ id: 1, name: 'Public', description: 'Everyone', created: now() }, { id: 2, name: 'Data Engineering', description: 'Pipelines and warehouses', created: now() }];
  const tokens: T[] = [];
  const datastores = [
    { id: 1, name: 'Sales warehouse', type: 'snowflake', host: 'acme.snowflakecomputing.com', port: 443, database: 'SALES', schema: 'PUBLIC', teams: ['Public'], created: now(), created_by_id: 1 },
    { id: 2, name: 'Orders DB', type: 'postgresql', host: 'orders.db.internal', port: 5432, database: 'orders', schema: 'public', teams: ['Data Engineering'], created: now(), created_by_id: 1 },
  ];
  const sessions = new Map<string, number>();
  let nextId = 100;

  const ref = (u: U) => ({ id: u.id, user_id: u.user_id, name: u.name, user_type: u.user_type });
  const wireToken = (t: T) => { const { secret: _s, user_id, ...rest } = t; return { ...rest, user: ref(users.find((u) => u.id === user_id)!) }; };
  const send = (res: ServerResponse, status: number, body?: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };
  const err = (res: ServerResponse, status: number, code: string, detail: string, field?: string) => send(res, status, { detail, code, request_id: 'mock', ...(field ? { field } : {}) });
  const body = async (req: IncomingMessage) => { let s = ''; for await (const c of req) s += c; return s ? JSON.parse(s) : {}; };
  const whoami = (req: IncomingMessage): U | null => {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) {
      const t = tokens.find((x) => x.secret === auth.slice(7));
      if (!t || !t.active) return null;
      t.last_used = now(); t.last_used_ip = '127.0.0.1';
      return users.find((u) => u.id === t.user_id) ?? null;
    }
    const sid = /gh_session=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const id = sid ? sessions.get(sid) : undefined;
    return users.find((u) => u.id === id) ?? null;
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const p = url.pathname;
    const m = req.method ?? 'GET';
    if (!p.startsWith('/api/')) {
      const file = p.startsWith('/assets/') || /\.(js|svg|ico)$/.test(p) ? join(distDir, p) : join(distDir, 'index.html');
      try {
        const data = await readFile(file);
        const type = { '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.html': 'text/html' }[extname(file)] ?? 'application/octet-stream';
        res.writeHead(200, { 'Content-Type': type, 'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:" });
        res.end(data);
      } catch { res.writeHead(404); res.end(); }
      return;
    }
    if (p === '/api/auth/setup' && m === 'GET') return send(res, 200, { setup_required: false });
    if (p === '/api/auth/login' && m === 'POST') {
      const b = await body(req);
      const u = users.find((x) => x.email === b.email && x.password === b.password && x.user_type === 'Human');
      if (!u) return err(res, 401, 'INVALID_CREDENTIALS', 'Invalid e-mail or password');
      const sid = randomBytes(16).toString('hex');
      sessions.set(sid, u.id);
      res.setHeader('Set-Cookie', `gh_session=${sid}; HttpOnly; SameSite=Strict; Path=/`);
      return send(res, 200, { user: u });
    }
    const me = whoami(req);
    if (!me) return err(res, 401, 'UNAUTHENTICATED', 'Authentication required');
    if (p === '/api/auth/logout') { res.setHeader('Set-Cookie', 'gh_session=; Max-Age=0; Path=/'); return send(res, 204); }
    const admin = me.role === 'Admin';
    const manager = admin || me.role === 'Manager';
    if (p === '/api/users/me') { const { password: _p, ...u } = me; return send(res, 200, { ...u, token: null }); }
    if (p === '/api/users/listing') return manager ? send(res, 200, users.filter((u) => u.user_type === 'Service').map((u) => ({ ...ref(u), role: u.role }))) : err(res, 403, 'FORBIDDEN', 'Managers only');
    if (p === '/api/users' && m === 'GET') {
      if (!manager) return err(res, 403, 'FORBIDDEN', 'Managers only');
      const q = (url.searchParams.get('search') ?? '').toLowerCase();
      const type = url.searchParams.get('type');
      const items = users.filter((u) => (!type || u.user_type === type) && (!q || u.name.toLowerCase().includes(q) || u.user_id.includes(q))).map(({ password: _p, ...u }) => u);
      return send(res, 200, { items, total: items.length, page: 1, size: 50 });
    }
    if (p === '/api/users' && m === 'POST') {
      if (!admin) return err(res, 403, 'FORBIDDEN', 'Admins only');
      const b = await body(req);
      const human = b.user_type === 'Human';
      const uid = human ? b.email : `${String(b.name).toLowerCase().replace(/\s+/g, '_').replace(/[^a-z0-9_]/g, '')}@service`;
      if (users.some((u) => u.user_id === uid)) return err(res, 409, 'USER_EXISTS', `A user ${uid} already exists`, 'name');
      const u: U = { id: nextId++, user_id: uid, user_name: uid, email: human ? b.email : null, name: b.name, user_type: human ? 'Human' : 'Service', role: b.role ?? 'Member', teams: ['Public', ...(b.teams ?? [])], active: true, created: now(), created_by_id: me.id, last_login: null, password: b.password };
      users.push(u);
      return send(res, 200, u);
    }
    if (p === '/api/teams' && m === 'GET') return manager ? send(res, 200, { items: teams.map((t) => ({ ...t, users: users.filter((u) => u.teams.includes(t.name)).map(ref) })), total: teams.length, page: 1, size: 50 }) : err(res, 403, 'FORBIDDEN', 'Managers only');
    if (p === '/api/datastores') { const items = datastores.filter((d) => manager || d.teams.some((t) => me.teams.includes(t))); return send(res, 200, { items, total: items.length, page: 1, size: 50 }); }
    if (p === '/api/user-tokens' && m === 'GET') return send(res, 200, tokens.filter((t) => t.user_id === me.id).map(wireToken));
    if (p === '/api/user-tokens/service') return admin ? send(res, 200, tokens.filter((t) => t.type === 'Service').map(wireToken)) : err(res, 403, 'FORBIDDEN', 'Admins only');
    if (p === '/api/user-tokens' && m === 'POST') {
      const b = await body(req);
      const owner = b.user_id ? users.find((u) => u.id === b.user_id) : me;
      if (!owner) return err(res, 422, 'INVALID_INPUT', 'user_id: no such user', 'user_id');
      if (!String(b.name ?? '').trim()) return err(res, 422, 'INVALID_INPUT', 'name: required', 'name');
      if (tokens.some((t) => t.user_id === owner.id && t.name === b.name)) return err(res, 409, 'NAME_TAKEN', 'A token with this name already exists for this user', 'name');
      const secret = `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6Im1vY2sifQ.${randomBytes(60).toString('base64url')}.${randomBytes(32).toString('base64url')}`;
      const t: T = { id: nextId++, name: b.name, type: owner.user_type === 'Service' ? 'Service' : 'Personal', active: true, scim_endpoints_only: Boolean(b.scim_endpoints_only), expiration: b.expires_in_days ? new Date(Date.now() + b.expires_in_days * 86400000).toISOString() : null, created: now(), created_by_id: me.id, last_used: null, last_used_ip: null, revoked_at: null, user_id: owner.id, secret };
      tokens.push(t);
      return send(res, 200, { ...wireToken(t), bearer_token: secret });
    }
    // The mock counts no usage: every token is "not used".
    if (/^\/api\/(user-tokens|users)\/\d+\/blast-radius$/.test(p)) return send(res, 200, { days: 7, tokens: 1, requests: 0, clients: [], last_used: null, text: 'not used in the last 90 days' });
    const tm = /^\/api\/user-tokens\/(\d+)$/.exec(p);
    if (tm) {
      const t = tokens.find((x) => x.id === Number(tm[1]));
      if (!t) return err(res, 404, 'NOT_FOUND', 'Token not found');
      if (m === 'PUT') { const b = await body(req); if (typeof b.revoke === 'boolean') { t.active = !b.revoke; t.revoked_at = b.revoke ? now() : null; } return send(res, 200, wireToken(t)); }
      if (m === 'DELETE') { if (t.active) return err(res, 409, 'TOKEN_ACTIVE', 'Revoke the token first'); tokens.splice(tokens.indexOf(t), 1); return send(res, 204); }
    }
    return err(res, 404, 'NOT_FOUND', `No route for ${m} ${p}`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    adminEmail: 'admin@example.com',
    adminPassword: 'correct-horse-battery',
    dataDir: '',
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
