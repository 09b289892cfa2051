import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { GatehouseApiError, GatehouseClient, GatehouseUnreachableError } from './index.js';
import { describeLive } from './test-support/live-server.js';

const here = dirname(fileURLToPath(import.meta.url));

describe('wire types', () => {
  it('equal the server schemas (tsc -p tsconfig.conformance.json)', async () => {
    const tsc = resolve(here, '../../../node_modules/typescript/bin/tsc');
    // tsc exits non-zero (a rejection) and prints the differences when a type drifts.
    const { stdout } = await promisify(execFile)(process.execPath, [tsc, '-p', resolve(here, '../tsconfig.conformance.json')]);
    expect(stdout).toBe('');
  }, 60_000);
});

describe('dependencies', () => {
  const importsOf = (file: string) => [...readFileSync(file, 'utf8').matchAll(/^(?:import|export)[^'"]*from '([^']+)'/gm)].map((m) => m[1]!);

  it("the shipped SDK imports nothing but node: built-ins, itself, core's role ladder and core's token pattern (no fastify, kysely, pg)", () => {
    const shipped = readdirSync(here).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.conformance.ts'));
    const imports = shipped.flatMap((f) => importsOf(resolve(here, f)));
    expect(new Set(imports.filter((i) => !i.startsWith('./') && !i.startsWith('node:')))).toEqual(new Set(['@gatehouse/core/roles', '@gatehouse/core/recognise']));
  });

  it("core's role ladder and token pattern, which the SDK and the browser load, import nothing", () => {
    expect(importsOf(resolve(here, '../../core/src/roles.ts'))).toEqual([]);
    expect(importsOf(resolve(here, '../../core/src/tokens/recognise.ts'))).toEqual([]);
  });
});

describe('GatehouseClient offline', () => {
  it('an unreachable server is a GatehouseUnreachableError naming the URL', async () => {
    const gh = new GatehouseClient({ url: 'http://127.0.0.1:9/', token: 'x' });
    const err = await gh.me().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatehouseUnreachableError);
    expect((err as Error).message).toContain('Cannot reach Gatehouse at http://127.0.0.1:9');
  });

  it('refuses a URL that is not http(s)', () => {
    expect(() => new GatehouseClient({ url: 'gatehouse.example.com', token: 'x' })).toThrow(/http/);
  });
});

describeLive('GatehouseClient against a real server', (live) => {
  const admin = () => new GatehouseClient({ url: `${live().url}/api/`, token: live().adminToken });

  it('me, status and health', async () => {
    await expect(admin().status()).resolves.toEqual({ status: 'ok' });
    await expect(admin().health()).resolves.toBeUndefined();
    const me = await admin().me();
    expect(me).toMatchObject({ user_id: 'admin@example.com', role: 'Admin', token: { name: 'sdk-admin', type: 'Personal' } });
  });

  it('service account → service token → revoke → restore → rotate → revoke → delete', async () => {
    const gh = admin();
    const sa = await gh.serviceAccounts.create({ name: 'SDK Robot', role: 'Editor' });
    expect(sa).toMatchObject({ user_id: 'sdk_robot@service', user_type: 'Service', teams: ['Public'] });
    const tok = await gh.tokens.create({ name: 'sdk-ci', user_id: sa.id, expires_in_days: 90 });
    expect(tok.bearer_token).toMatch(/^eyJ/);
    const robot = new GatehouseClient({ url: live().url, token: tok.bearer_token });
    expect((await robot.me()).user_id).toBe('sdk_robot@service');

    expect((await gh.tokens.revoke(tok.id)).active).toBe(false);
    const refused = await robot.me().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GatehouseApiError);
    expect(refused).toMatchObject({ status: 401, code: 'INVALID_TOKEN', detail: 'The token has been revoked' });
    expect((await gh.tokens.restore(tok.id)).active).toBe(true);

    const rotated = await gh.tokens.rotate(tok.id);
    expect(rotated.bearer_token).not.toBe(tok.bearer_token);
    // The robot renews its own credential, keeping the old one for an hour.
    const renewing = new GatehouseClient({ url: live().url, token: rotated.bearer_token });
    const renewed = await renewing.tokens.rotateSelf({ grace_hours: 1 });
    expect(renewed).toMatchObject({ id: tok.id, previous_secret_expires_at: expect.any(String) });
    expect((await renewing.me()).user_id).toBe('sdk_robot@service');
    expect((await new GatehouseClient({ url: live().url, token: renewed.bearer_token }).me()).user_id).toBe('sdk_robot@service');
    await expect(robot.me()).rejects.toMatchObject({ status: 401 });
    expect((await new GatehouseClient({ url: live().url, token: rotated.bearer_token }).me()).user_id).toBe('sdk_robot@service');

    const service = await gh.tokens.listService({ user_id: sa.id });
    expect(service.map((t) => t.name)).toEqual(['sdk-ci']);
    await gh.tokens.revoke(tok.id);
    await expect(gh.tokens.delete(tok.id)).resolves.toBeUndefined();
    await expect(gh.tokens.get(tok.id)).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
    await gh.serviceAccounts.delete(sa.id);
    expect((await gh.users.get(sa.id)).active).toBe(false);
  });

  it('errors carry status, code, field and request id', async () => {
    const gh = admin();
    await gh.tokens.create({ name: 'dup-sdk', expires_in_days: 30 });
    await expect(gh.tokens.create({ name: 'dup-sdk', expires_in_days: 30 })).rejects.toMatchObject({ status: 409, code: 'NAME_TAKEN' });
    const bad = (await gh.tokens.create({ name: 'x', expires_in_days: 0 }).catch((e: unknown) => e)) as GatehouseApiError;
    expect(bad).toMatchObject({ status: 422, code: 'INVALID_INPUT', field: 'expires_in_days' });
    expect(bad.requestId).toEqual(expect.any(String));
    expect(bad.requestId!.length).toBeGreaterThan(0);
  });

  it('teams, users, datastores and audit; paginate walks every page', async () => {
    const gh = admin();
    for (let i = 0; i < 5; i++) await gh.teams.create({ name: `sdk-team-${i}` });
    const pages: number[] = [];
    const teams = await gh.listAll((p) => gh.teams.list(p), { size: 2, onPage: (n) => pages.push(n) });
    expect(teams.map((t) => t.name)).toEqual(expect.arrayContaining(['Public', 'sdk-team-0', 'sdk-team-4']));
    expect(pages.length).toBe(Math.ceil(teams.length / 2));
    const listing = await gh.users.listing({ type: 'Service' });
    expect(listing.some((u) => u.user_id === 'introspector@service')).toBe(true);
    const ds = await gh.datastores.create({ name: 'warehouse', type: 'postgresql', host: 'db', port: 5432 });
    expect((await gh.datastores.list({ datastore_type: ['postgresql'] })).items.map((d) => d.id)).toContain(ds.id);
    const conn = await gh.connections.create({ name: 'sdk-conn', type: 'snowflake', host: 'acme.snowflakecomputing.com' });
    const onConn = await gh.datastores.create({ name: 'sdk-on-conn', connection_id: conn.id, tags: ['sdk'], enrichment_only: true });
    expect(onConn).toMatchObject({ type: 'snowflake', host: 'acme.snowflakecomputing.com', connection: { id: conn.id, name: 'sdk-conn' }, tags: ['sdk'] });
    expect((await gh.datastores.list({ tag: ['sdk'], enrichment_only: true })).items.map((d) => d.id)).toEqual([onConn.id]);
    expect((await gh.connections.list({ name: 'SDK-' })).items.map((c) => c.id)).toEqual([conn.id]);
    const audit = await gh.audit.list({ action: 'token.created', size: 5 });
    expect(audit.items[0]).toMatchObject({ action: 'token.created', outcome: 'success' });
  });

  it('introspect', async () => {
    const gh = new GatehouseClient({ url: live().url, token: live().introspectToken });
    expect(await gh.introspect(live().adminToken)).toMatchObject({ active: true, sub: 'admin@example.com', role: 'Admin' });
    expect(await gh.introspect('nope')).toEqual({ active: false });
  });
});
