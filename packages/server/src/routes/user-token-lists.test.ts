import { seedLists } from '@gatehouse/db';
import { describe, expect, it } from 'vitest';
import { describeOnEachDatabase, type TestApp } from '../test-support/test-app.js';

interface WireToken {
  id: number;
  name: string;
  type: string;
  user: { id: number };
}
interface TokenPage {
  items: WireToken[];
  total: number;
  total_exact: boolean;
  page: number;
  size: number;
  next_cursor: string | null;
  prev_cursor: string | null;
}

/** Token lists of issue 27: the paged shape with page/size/cursor, the reference's plain array without. */
describeOnEachDatabase('token lists', (app) => {
  const get = (t: TestApp, url: string, token = t.adminToken) => t.request({ method: 'GET', url, token });

  /** Every token of a paged list, following next_cursor from the first page. */
  async function walk(t: TestApp, url: string): Promise<WireToken[]> {
    const out: WireToken[] = [];
    let next: string | null = url;
    while (next) {
      const res = await get(t, next);
      expect(res.statusCode).toBe(200);
      const page = res.json<TokenPage>();
      out.push(...page.items);
      next = page.next_cursor ? `${url}&cursor=${page.next_cursor}` : null;
    }
    return out;
  }

  describe('happy', () => {
    it('pages service tokens newest first with cursors, both ways, and counts them', async () => {
      const t = app();
      const { firstServiceAccountId: sa } = await seedLists(t.server.store, { serviceAccounts: 1, people: 0, tokens: 25, now: t.clock.now() });
      const url = `/api/user-tokens/service?user_id=${sa}&size=10`;
      const first = (await get(t, url)).json<TokenPage>();
      expect(first).toMatchObject({ total: 25, total_exact: true, page: 1, size: 10, prev_cursor: null });
      expect(first.items.map((x) => x.name).slice(0, 2)).toEqual(['api-24', 'search-23']);
      const all = await walk(t, url);
      expect(all.map((x) => Number(x.name.split('-')[1]))).toEqual(Array.from({ length: 25 }, (_, i) => 24 - i));
      const last = (await get(t, `${url}&cursor=last`)).json<TokenPage>();
      expect(last.items.map((x) => x.id)).toEqual(all.slice(15).map((x) => x.id));
      expect(last).toMatchObject({ next_cursor: null, page: 0 });
      const before = (await get(t, `${url}&cursor=${last.prev_cursor}`)).json<TokenPage>();
      expect(before.items.map((x) => x.id)).toEqual(all.slice(5, 15).map((x) => x.id));
      // Page numbers, as the reference API's clients send them.
      const page3 = (await get(t, `${url}&page=3`)).json<TokenPage>();
      expect(page3.items.map((x) => x.id)).toEqual(all.slice(20).map((x) => x.id));
    });

    it('searches by name prefix and sorts by name', async () => {
      const t = app();
      const { firstServiceAccountId: sa } = await seedLists(t.server.store, { serviceAccounts: 1, people: 0, tokens: 30, now: t.clock.now() });
      const res = (await get(t, `/api/user-tokens/service?user_id=${sa}&size=50&search=API&sort=name`)).json<TokenPage>();
      expect(res.items.map((x) => x.name)).toEqual(['api-0', 'api-12', 'api-24']);
      expect((await get(t, `/api/user-tokens/service?user_id=${sa}&size=50&search=pi`)).json<TokenPage>().items).toEqual([]);
    });

    it("an Admin's \"All tokens\" is their own tokens and every service token; a Member's own list pages too", async () => {
      const t = app();
      await seedLists(t.server.store, { serviceAccounts: 1, people: 0, tokens: 4, now: t.clock.now() });
      const own = (await get(t, '/api/user-tokens?size=1000')).json<TokenPage>();
      const service = (await get(t, '/api/user-tokens/service?size=1000')).json<TokenPage>();
      const all = (await get(t, '/api/user-tokens?size=1000&include_service=true')).json<TokenPage>();
      expect(all.items.map((x) => x.id).sort()).toEqual([...own.items, ...service.items].map((x) => x.id).sort());
      expect(all.total).toBe(own.total + service.total);
      const m = await t.makeUser({ role: 'Member' });
      const mine = (await get(t, '/api/user-tokens?size=50', m.token)).json<TokenPage>();
      expect(mine).toMatchObject({ total: 1, items: [{ id: m.tokenId, type: 'Personal' }] });
    });

    it('without page, size or cursor: the plain array of every token, in id order, streamed past the first batch', async () => {
      const t = app();
      const { firstServiceAccountId: sa } = await seedLists(t.server.store, { serviceAccounts: 1, people: 0, tokens: 2_345, now: t.clock.now() });
      const res = await get(t, `/api/user-tokens/service?user_id=${sa}`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = res.json<WireToken[]>();
      expect(Array.isArray(body)).toBe(true);
      expect(body).toHaveLength(2_345);
      const ids = body.map((x) => x.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(ids.length);
      expect(body[0]).toMatchObject({ name: 'api-0', type: 'Service', active: true, last_used: expect.any(String), user: { id: sa } });
      expect(JSON.stringify(body)).not.toContain('token_hash');
    });
  });

  describe('error', () => {
    it('422 names the cursor when it is not one of this list, or belongs to another order', async () => {
      const t = app();
      await seedLists(t.server.store, { serviceAccounts: 1, people: 0, tokens: 3, now: t.clock.now() });
      const bad = await get(t, '/api/user-tokens/service?cursor=nonsense');
      expect(bad.statusCode).toBe(422);
      expect(bad.json()).toMatchObject({ code: 'INVALID_INPUT', field: 'cursor' });
      const next = (await get(t, '/api/user-tokens/service?size=1&sort=name')).json<TokenPage>().next_cursor;
      const other = await get(t, `/api/user-tokens/service?cursor=${next}`);
      expect(other.statusCode).toBe(422);
      expect(other.json().detail).toMatch(/cursor: belongs to the order "name", not "-created"/);
      expect((await get(t, '/api/user-tokens/service?size=0')).statusCode).toBe(422);
      expect((await get(t, '/api/user-tokens/service?sort=last_used')).statusCode).toBe(422);
    });
  });

  describe('security', () => {
    it('a non-Admin gets 403 for service tokens and for "All tokens", paged or not', async () => {
      const t = app();
      const mgr = await t.makeUser({ role: 'Manager' });
      for (const url of ['/api/user-tokens/service', '/api/user-tokens/service?size=5', '/api/user-tokens?include_service=true', '/api/user-tokens?size=5&include_service=true']) {
        expect((await get(t, url, mgr.token)).statusCode, url).toBe(403);
      }
    });
  });
});
