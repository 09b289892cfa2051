import { scim, type User, type UserEmail } from '@gatehouse/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenedStore } from './open-store.js';
import { DIALECTS, freshStore } from './test-support/test-databases.js';

/*
 * SCIM filters run by the database (SPEC §4, issue 20 item 9) answer exactly what core's
 * in-memory evaluator answers over the users' SCIM JSON: the oracle here. On both databases.
 */

const T0 = new Date('2026-06-01T10:00:00.000Z');
const at = (days: number) => new Date(T0.getTime() + days * 86_400_000);
const BASE = 'https://gh.example/api/scim/v2';

const FILTERS = [
  'userName eq "ada@x.io"', 'userName eq "ADA@X.IO"', 'userName ne "ada@x.io"', 'userName sw "b"', 'userName ew ".io"', 'userName co "jen"',
  'userName gt "c"', 'userName le "bjensen"', 'userName pr', 'displayName eq "grace hopper"', 'displayName co "É"', 'displayName sw "Zo"',
  'externalId eq "EXT-1"', 'externalId eq "ext-1"', 'externalId pr', 'not (externalId pr)', 'externalId eq null', 'externalId ne null',
  'id eq "1"', 'id gt "2"', 'active eq true', 'active eq "False"', 'active ne false', 'active pr',
  'name.givenName eq "Ada"', 'name.familyName sw "hop"', 'name.formatted co "III"', 'name.formatted pr', 'name pr', 'name eq "x"',
  'emails eq "ada@x.io"', 'emails co "@HOME"', 'emails.value ew "example"', 'emails.type eq "work"', 'emails.type eq "home"', 'emails.primary eq true',
  'emails.primary eq false', 'emails.display pr', 'emails pr', 'not (emails pr)', 'emails ne "ada@x.io"', 'emails.type ne "work"', 'emails eq null', 'emails ne null',
  'emails[type eq "work"]', 'emails[type eq "work" and value co "x.io"]', 'emails[type eq "home" or primary eq true]', 'emails[not (type eq "work")]', 'emails[value sw "b"].primary eq false',
  'emails[display pr]', 'emails[type eq "work"].value co "ada"',
  'groups eq "1"', 'groups.display eq "engineering"', 'groups[display sw "Eng"]', 'groups.type eq "direct"', 'groups pr', 'groups ne "1"',
  'meta.created gt "2026-06-02T00:00:00Z"', 'meta.created le "2026-06-02T10:00:00Z"', 'meta.created eq "2026-06-01T10:00:00Z"', 'meta.lastModified ge "2026-06-03T00:00:00Z"',
  'meta.created sw "2026-06-0"', 'meta.resourceType eq "User"', 'meta.location pr',
  'urn:ietf:params:scim:schemas:core:2.0:User:userName sw "a"', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "x"',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department ne "x"', 'title eq null', 'nickName pr',
  'userName sw "a" and active eq true', 'userName sw "a" or displayName co "hopper"', 'not (userName sw "a" or userName sw "b")',
  '(emails[type eq "work"] and active eq false) or externalId eq "EXT-2"', 'userName eq 5', 'displayName ne 5', 'emails.primary eq "TRUE"',
  'userName co ""', 'userName sw "%"', 'userName co "_"', 'displayName co "\\\\"',
];

describe.each(DIALECTS)('SCIM user filters in SQL on $kind', ({ kind, available }) => {
  let store: OpenedStore;
  let cleanup: () => Promise<void>;
  let humans: User[] = [];

  beforeAll(async () => {
    if (!available) return;
    ({ store, cleanup } = await freshStore(kind));
    const publicTeam = await store.teams.ensurePublic(T0);
    const eng = await store.teams.create({ name: 'Engineering', description: null, userIds: [], created: T0 });
    const mk = async (userId: string, o: { email?: string | null; name?: string; emails?: UserEmail[] | null; externalId?: string; givenName?: string; familyName?: string; formattedName?: string; teams?: number[]; created?: Date; active?: boolean; modified?: Date; type?: 'Human' | 'Service' } = {}) => {
      const u = await store.users.create({
        userId, email: o.email === undefined ? userId : o.email, name: o.name ?? userId, type: o.type ?? 'Human', role: 'Member', teamIds: o.teams ?? [publicTeam.id],
        passwordHash: null, createdById: null, created: o.created ?? T0, externalId: o.externalId ?? null, givenName: o.givenName ?? null,
        familyName: o.familyName ?? null, formattedName: o.formattedName ?? null, emails: o.emails ?? null, provisionedBy: 'scim',
      });
      if (o.active === false || o.modified) await store.users.update(u.id, { ...(o.active === false ? { active: false, deactivatedBy: 'scim' as const } : {}), ...(o.modified ? { lastModified: o.modified } : {}) });
    };
    await mk('ada@x.io', { name: 'Ada Lovelace', givenName: 'Ada', familyName: 'Lovelace', externalId: 'EXT-1', teams: [publicTeam.id, eng.id] });
    await mk('bjensen', { email: 'bjensen@home.example', name: 'Babs', formattedName: 'Ms. Barbara J Jensen III', created: at(1), modified: at(3), emails: [
      { value: 'bjensen@example.com', type: 'work', display: 'Work', primary: false },
      { value: 'BJensen@Home.example', type: 'home', display: null, primary: true },
    ] });
    await mk('grace@x.io', { name: 'Grace Hopper', familyName: 'Hopper', active: false, externalId: 'EXT-2', created: at(2), teams: [eng.id] });
    await mk('2819c223-7f76-453a-919d-413861904646', { email: null, name: 'Zoë Éclair', emails: [] });
    await mk('percent%_\\@x.io', { name: 'Odd\\Name', emails: [{ value: 'odd@x.io', type: null, display: null, primary: false }] });
    await mk('robot@service', { email: null, type: 'Service' });
    humans = (await store.users.list({ type: 'Human', offset: 0, limit: 100 })).items;
  });
  afterAll(async () => {
    if (available) await cleanup();
  });

  it.skipIf(!available).each(FILTERS)('%s', async (text) => {
    const filter = scim.parseFilter(text);
    let expected: number[] | string;
    try {
      expected = humans.filter((u) => scim.matchesFilter(scim.userToScim(u, BASE), filter, 'User')).map((u) => u.id);
    } catch (e) {
      expected = (e as Error).message;
    }
    let actual: number[] | string;
    let total = -1;
    try {
      const page = await store.users.listScim(filter, { offset: 0, limit: 100 });
      actual = page.items.map((u) => u.id);
      total = page.total;
    } catch (e) {
      actual = (e as Error).message;
    }
    expect(actual).toEqual(expected);
    if (Array.isArray(expected)) expect(total).toBe(expected.length);
  });

  it.skipIf(!available)('pages in id order with the total of all matches; count 0 reads only the total', async () => {
    const all = await store.users.listScim(undefined, { offset: 0, limit: 100 });
    expect(all.items.map((u) => u.id)).toEqual(humans.map((u) => u.id));
    const page = await store.users.listScim(scim.parseFilter('userName pr'), { offset: 1, limit: 2 });
    expect(page).toMatchObject({ total: humans.length });
    expect(page.items.map((u) => u.id)).toEqual(humans.slice(1, 3).map((u) => u.id));
    expect(await store.users.listScim(undefined, { offset: 0, limit: 0 })).toEqual({ items: [], total: humans.length });
  });

  it.skipIf(!available)('refuses what the evaluator refuses: ordering on a boolean', async () => {
    await expect(store.users.listScim(scim.parseFilter('active gt true'), { offset: 0, limit: 10 })).rejects.toMatchObject({ scimType: 'invalidFilter' });
  });
});
