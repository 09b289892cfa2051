import { expect, it } from 'vitest';
import { describeOnEachDatabase, type TestApp } from '../test-support/test-app.js';

/*
 * The four failures of the Qualytics CLI (v1.0.4) against Gatehouse (issue 25), replayed as the
 * exact requests the CLI sends: its headers (JSON content type on every request), its query
 * strings (Python booleans, size 100) and its bodies.
 */

const CLI_HEADERS = { 'content-type': 'application/json', 'user-agent': 'python-requests/2.32.3' };

async function cli(t: TestApp, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) {
  return t.request({ method, url, token: t.adminToken, headers: CLI_HEADERS, ...(payload ? { payload } : {}) });
}

const names = (res: { json(): { items: { name: string }[] } }) => res.json().items.map((d) => d.name).sort();

describeOnEachDatabase('Qualytics CLI: connections, datastore create, truthful filters', (app) => {
  it('1. datastores create --connection-id: the CLI body creates a datastore on that connection', async () => {
    const t = app();
    const conn = (await cli(t, 'POST', '/api/connections', { name: 'warehouse-pg', type: 'postgresql', host: 'pg.internal', port: 5432 })).json();
    const res = await cli(t, 'POST', '/api/datastores', {
      name: 'cli-created', connection_id: conn.id, enrichment_only: false, enrichment_remediation_strategy: 'none', trigger_sync: true,
      tags: ['nightly', 'finance'], teams: null, database: 'analytics', schema: 'public',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      name: 'cli-created', type: 'postgresql', host: 'pg.internal', port: 5432, database: 'analytics', schema: 'public',
      connection: { id: conn.id, name: 'warehouse-pg', type: 'postgresql' }, tags: ['finance', 'nightly'], enrichment_only: false, teams: ['Public'],
    });
    // What the CLI reads back (datastores get --id) is what was stored.
    expect((await cli(t, 'GET', `/api/datastores/${res.json().id}`)).json()).toEqual(res.json());
  });

  it('1. datastores create --connection-name: GET /api/connections finds the connection by name, then the create works', async () => {
    const t = app();
    await cli(t, 'POST', '/api/connections', { name: 'Lake Prod', type: 'databricks', host: 'lake.example.com' });
    await cli(t, 'POST', '/api/connections', { name: 'lake-staging', type: 'databricks' });
    const found = await cli(t, 'GET', '/api/connections?page=1&size=100&name=lake%20prod');
    expect(found.statusCode).toBe(200);
    expect(found.json()).toMatchObject({ total: 1, page: 1, size: 100, items: [{ name: 'Lake Prod', type: 'databricks', host: 'lake.example.com', port: null }] });
    const created = await cli(t, 'POST', '/api/datastores', {
      name: 'by-connection-name', connection_id: found.json().items[0].id, enrichment_only: true, enrichment_remediation_strategy: 'none', trigger_sync: false,
      tags: null, teams: null, database: 'main', schema: 'default',
    });
    expect(created.json()).toMatchObject({ type: 'databricks', host: 'lake.example.com', enrichment_only: true, tags: [] });
  });

  it('1. what Gatehouse does not support is a 422 naming it: an unknown connection, another remediation strategy, an unknown field', async () => {
    const t = app();
    const body = { name: 'nope', connection_id: 999999, enrichment_only: false, enrichment_remediation_strategy: 'none', trigger_sync: true, tags: null, teams: null, database: 'd', schema: 's' };
    const unknownConnection = await cli(t, 'POST', '/api/datastores', body);
    expect(unknownConnection.statusCode).toBe(422);
    expect(unknownConnection.json()).toMatchObject({ field: 'connection_id', detail: 'connection_id: no connection with id 999999' });
    const conn = (await cli(t, 'POST', '/api/connections', { name: 'c-422', type: 'postgresql' })).json();
    const strategy = await cli(t, 'POST', '/api/datastores', { ...body, connection_id: conn.id, enrichment_remediation_strategy: 'append' });
    expect(strategy.statusCode).toBe(422);
    expect(strategy.json()).toMatchObject({ field: 'enrichment_remediation_strategy', detail: 'enrichment_remediation_strategy: must be one of: none' });
    const unknownField = await cli(t, 'POST', '/api/datastores', { ...body, connection_id: conn.id, high_count_rollup_threshold: 10 });
    expect(unknownField.statusCode).toBe(422);
    expect(unknownField.json()).toMatchObject({ field: 'high_count_rollup_threshold', detail: 'high_count_rollup_threshold: is not supported' });
    const typeAgainstConnection = await cli(t, 'POST', '/api/datastores', { ...body, connection_id: conn.id, type: 'snowflake' });
    expect(typeAgainstConnection.json()).toMatchObject({ field: 'type' });
    const noType = await cli(t, 'POST', '/api/datastores', { name: 'typeless' });
    expect(noType.json()).toMatchObject({ field: 'type', detail: 'type: is required (or give a connection_id)' });
    // Nothing of it was stored.
    expect((await cli(t, 'GET', '/api/datastores?page=1&size=100&name=nope')).json().total).toBe(0);
  });

  it('2. datastores list --tag prod and --enrichment-only return exactly the matching datastores', async () => {
    const t = app();
    const mk = (name: string, extra: object) => cli(t, 'POST', '/api/datastores', { name, type: 'postgresql', ...extra });
    await mk('f2-prod', { tags: ['prod'] });
    await mk('f2-prod-enrich', { tags: ['prod', 'eu'], enrichment_only: true });
    await mk('f2-dev', { tags: ['dev'] });
    await mk('f2-plain', {});
    const tag = await cli(t, 'GET', '/api/datastores?page=1&size=100&tag=prod');
    expect(names(tag)).toEqual(['f2-prod', 'f2-prod-enrich']);
    expect(tag.json().total).toBe(2);
    expect(names(await cli(t, 'GET', '/api/datastores?page=1&size=100&tag=prod&tag=dev'))).toEqual(['f2-dev', 'f2-prod', 'f2-prod-enrich']);
    expect(names(await cli(t, 'GET', '/api/datastores?page=1&size=100&enrichment_only=True&search=f2-'))).toEqual(['f2-prod-enrich']);
    expect(names(await cli(t, 'GET', '/api/datastores?page=1&size=100&enrichment_only=False&search=f2-'))).toEqual(['f2-dev', 'f2-plain', 'f2-prod']);
    const unknown = await cli(t, 'GET', '/api/datastores?page=1&size=100&status=active');
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json()).toMatchObject({ code: 'INVALID_INPUT', field: 'status', detail: 'status: is not supported' });
  });

  it('3. datastores update --tags / --enrichment-only store what they send; read-only fields echoed back are accepted', async () => {
    const t = app();
    // (`gold`: the tests of one database share an app, and test 2 tags with `prod`.)
    const ds = (await cli(t, 'POST', '/api/datastores', { name: 'f3-update', type: 'snowflake' })).json();
    const tags = await cli(t, 'PUT', `/api/datastores/${ds.id}`, { tags: ['gold'] });
    expect(tags.json()).toMatchObject({ tags: ['gold'], enrichment_only: false });
    const enrichment = await cli(t, 'PUT', `/api/datastores/${ds.id}`, { enrichment_only: true });
    expect(enrichment.json()).toMatchObject({ tags: ['gold'], enrichment_only: true });
    const read = (await cli(t, 'GET', `/api/datastores/${ds.id}`)).json();
    expect(read).toMatchObject({ tags: ['gold'], enrichment_only: true });
    // A client that reads, changes one field and writes the whole object back.
    const echoed = await cli(t, 'PUT', `/api/datastores/${ds.id}`, { ...read, schema: 'sales' });
    expect(echoed.statusCode).toBe(200);
    expect(echoed.json()).toEqual({ ...read, schema: 'sales' });
    const unsupported = await cli(t, 'PUT', `/api/datastores/${ds.id}`, { enrichment_prefix: 'x_' });
    expect(unsupported.json()).toMatchObject({ field: 'enrichment_prefix', detail: 'enrichment_prefix: is not supported' });
    expect((await cli(t, 'GET', `/api/datastores?page=1&size=100&tag=gold&enrichment_only=True`)).json().items.map((d: { id: number }) => d.id)).toEqual([ds.id]);
  });

  it('4. datastores list --name ds-01 matches case-insensitively on part of the name (the CLI re-filters exactly)', async () => {
    const t = app();
    for (const name of ['ds-01', 'DS-010', 'prod-ds-01-eu', 'ds-02', 'ds_01']) await cli(t, 'POST', '/api/datastores', { name, type: 'bigquery' });
    expect(names(await cli(t, 'GET', '/api/datastores?page=1&size=100&name=ds-01'))).toEqual(['DS-010', 'ds-01', 'prod-ds-01-eu']);
    // LIKE's wildcards in a name are taken literally: `_` matches "_" only.
    expect(names(await cli(t, 'GET', '/api/datastores?page=1&size=50&name=ds_0'))).toEqual(['ds_01']);
    expect(names(await cli(t, 'GET', '/api/datastores?page=1&size=50&name=%25'))).toEqual([]);
  });
});
