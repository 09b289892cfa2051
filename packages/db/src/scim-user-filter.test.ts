import { scim, type User, type UserEmail, type UserRef } from '@gatehouse/core';
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
  // The indexed paths (search-indexes migration): trigram pre-filters for needles of 3 characters
  // or more (SQLite: ASCII ones), short needles, LIKE's % and _ taken literally, characters that
  // JavaScript folds to ASCII (Kelvin sign, İ), deactivated users, the e-mail rows, the b-trees.
  'displayName co "lovelace"', 'displayName co "LOVE"', 'displayName co "ov"', 'displayName co "hopper"', 'displayName sw "grace"', 'displayName ew "hopper"',
  'displayName eq "ada lovelace"', 'displayName co "kelvin"', 'displayName co "r kel"', 'displayName co "maji"', 'displayName co "aji"',
  'displayName co "50% o"', 'displayName co "f_s"', 'displayName co "f%s"', 'displayName co "%"', 'displayName co "ff_"',
  'displayName co "zoë"', 'displayName co "ÉCLAIR"', 'displayName co "a\\"b"', 'userName co "x.io"', 'userName co "jensen"', 'userName ew "@x.io"',
  'name.familyName eq "hopper"', 'name.familyName eq "HOPPER"', 'name.familyName eq "kelvin"',
  '(name.familyName eq "hopper" and active eq false) or externalId eq "EXT-1"', '(name.familyName eq "Lovelace" and active eq true) or externalId eq "nope"',
  'active eq false and userName sw "g"', 'emails[type eq "work" and value eq "ADA@X.IO"]', 'emails[value eq "bjensen@home.example"]', 'emails.value sw "bjen"',
  'emails[type eq "work" and value eq "kelvin@x.io"]', 'emails[primary eq true and value co "x.io"]', 'emails.type eq "WORK"',
];

/**
 * "İ" lower-cases to "i̇" (two characters) in JavaScript and SQLite (unicode_lower) but to "i" in
 * PostgreSQL's lower() under the C.UTF-8 ctype of the test database: a divergence of
 * PostgreSQL's case folding that predates the search indexes (the filters used lower() before).
 */
const FILTERS_SQLITE = ['displayName co "majid"', 'displayName co "i̇nce"', 'displayName co "İNCE"', 'name.familyName eq "demi̇r"', 'name.familyName eq "DEMİR"', 'name.familyName eq "demir"'];

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
    await mk('kelvin@x.io', { name: 'Dr \u212Aelvin Smith', familyName: '\u212Aelvin', externalId: 'EXT-3' });
    await mk('majid@x.io', { name: 'MAJİD İnce', familyName: 'DEMİR', active: false });
    await mk('sale@x.io', { name: '50% off_sale', email: 'SALE@X.IO', emails: [{ value: 'Sale@X.io', type: 'Work', display: 'Sales', primary: true }] });
    humans = (await store.users.list({ type: 'Human', offset: 0, limit: 100 })).items;
  });
  afterAll(async () => {
    if (available) await cleanup();
  });

  it.skipIf(!available).each(kind === 'sqlite' ? [...FILTERS, ...FILTERS_SQLITE] : FILTERS)('%s', async (text) => {
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

  it.skipIf(!available)('e-mails changed later are what the filters find (the rows written with the user)', async () => {
    const sale = humans.find((u) => u.userId === 'sale@x.io')!;
    const found = async (text: string) => (await store.users.listScim(scim.parseFilter(text), { offset: 0, limit: 100 })).items.map((u) => u.id);
    expect(await found('emails[value eq "sale@x.io"]')).toEqual([sale.id]);
    await store.users.update(sale.id, { emails: [{ value: 'Deals@Y.io', type: 'home', display: null, primary: true }], email: 'deals@y.io' });
    expect(await found('emails[value eq "sale@x.io"]')).toEqual([]);
    expect(await found('emails[type eq "home" and value eq "DEALS@y.io"]')).toEqual([sale.id]);
    // Back to no `emails`: `email` is the primary work one again.
    await store.users.update(sale.id, { emails: null, email: 'sale@x.io' });
    expect(await found('emails[type eq "work" and primary eq true and value eq "sale@x.io"]')).toEqual([sale.id]);
    expect(await found('emails[value eq "deals@y.io"]')).toEqual([]);
    const now = (await store.users.list({ type: 'Human', offset: 0, limit: 100 })).items;
    for (const text of ['emails pr', 'emails.type eq "home"', 'emails co "y.io"', 'emails[value sw "sale"]']) {
      const expected = now.filter((u) => scim.matchesFilter(scim.userToScim(u, BASE), scim.parseFilter(text), 'User')).map((u) => u.id);
      expect(await found(text)).toEqual(expected);
    }
    // A deleted user's e-mails go with it.
    await store.users.delete(sale.id);
    expect(await found('emails[value eq "sale@x.io"]')).toEqual([]);
  });

  it.skipIf(!available)('refuses what the evaluator refuses: ordering on a boolean', async () => {
    await expect(store.users.listScim(scim.parseFilter('active gt true'), { offset: 0, limit: 10 })).rejects.toMatchObject({ scimType: 'invalidFilter' });
  });
});

const GROUP_FILTERS = [
  'displayName eq "engineering"', 'displayName eq "Engineering"', 'displayName co "ENG"', 'displayName sw "pub"', 'displayName ew "ops"', 'displayName pr',
  'displayName co "%"', 'displayName co "_"', 'displayName gt "m"', 'externalId eq "G-1"', 'externalId eq "g-1"', 'externalId pr', 'externalId eq null', 'id eq "2"',
  'members pr', 'not (members pr)', 'members eq "1"', 'members ne "1"', 'members.display co "ada"', 'members.display eq "ROBOT@SERVICE"', 'members.type eq "user"',
  'members[value eq "1" or display sw "g"]', 'members[type eq "User"]', 'members eq null', 'members.value pr',
  'meta.created gt "2026-06-01T12:00:00Z"', 'meta.lastModified ge "2026-06-03T00:00:00Z"', 'meta.resourceType eq "Group"', 'meta.location pr',
  'urn:ietf:params:scim:schemas:core:2.0:Group:displayName sw "E"', 'userName eq "x"', 'active eq true', 'displayName eq 5',
  'displayName sw "e" and members pr', 'displayName co "ops" or externalId eq "G-1"', 'not (displayName eq "Public")',
];

/** Group filters (`/Groups?filter=`) run in the database too, with the evaluator's answers over teamToScim. */
describe.each(DIALECTS)('SCIM group filters in SQL on $kind', ({ kind, available }) => {
  let store: OpenedStore;
  let cleanup: () => Promise<void>;
  let teams: Awaited<ReturnType<OpenedStore['teams']['list']>>['items'] = [];
  /** Each team's humans: a group's members in SCIM (teams carry only a preview). */
  const humans = new Map<number, UserRef[]>();

  beforeAll(async () => {
    if (!available) return;
    ({ store, cleanup } = await freshStore(kind));
    const human = (userId: string, name: string) => store.users.create({
      userId, email: null, name, type: 'Human', role: 'Member', teamIds: [], passwordHash: null, createdById: null, created: T0,
    });
    const ada = await human('ada@x.io', 'Ada Lovelace');
    const grace = await human('grace@x.io', 'Grace Hopper');
    const robot = await store.users.create({ userId: 'robot@service', email: null, name: 'robot@service', type: 'Service', role: 'Member', teamIds: [], passwordHash: null, createdById: null, created: T0 });
    await store.teams.ensurePublic(T0);
    await store.teams.create({ name: 'Engineering', description: null, userIds: [ada.id, robot.id], created: at(1), externalId: 'G-1' });
    await store.teams.create({ name: 'DevOps', description: null, userIds: [grace.id], created: at(2) });
    await store.teams.create({ name: 'Robots_ops', description: null, userIds: [robot.id], created: at(3) });
    await store.teams.create({ name: '100% Ops', description: null, userIds: [], created: at(4) });
    teams = (await store.teams.list({ limit: 100 })).items;
    for (const t of teams) humans.set(t.id, await store.teams.allMembers(t.id, 'Human'));
  });
  afterAll(async () => {
    if (available) await cleanup();
  });

  it.skipIf(!available).each(GROUP_FILTERS)('%s', async (text) => {
    const filter = scim.parseFilter(text);
    let expected: number[] | string;
    try {
      expected = teams.filter((t) => scim.matchesFilter(scim.teamToScim(t, BASE, humans.get(t.id)), filter, 'Group')).map((t) => t.id);
    } catch (e) {
      expected = (e as Error).message;
    }
    let actual: number[] | string;
    try {
      const page = await store.teams.listScim(filter, { offset: 0, limit: 100 });
      actual = page.items.map((t) => t.id);
      if (Array.isArray(expected)) expect(page.total).toBe(expected.length);
    } catch (e) {
      actual = (e as Error).message;
    }
    expect(actual).toEqual(expected);
  });

  it.skipIf(!available)('pages groups in id order with the total', async () => {
    const page = await store.teams.listScim(undefined, { offset: 1, limit: 2 });
    expect(page.items.map((t) => t.id)).toEqual(teams.slice(1, 3).map((t) => t.id));
    expect(page.total).toBe(teams.length);
    expect(await store.teams.listScim(scim.parseFilter('displayName co "o"'), { offset: 0, limit: 0 })).toMatchObject({ items: [], total: 3 });
  });
});
