import { scim } from '@gatehouse/core';
import { sql, type RawBuilder } from 'kysely';
import type { DialectTraits } from './dialect.js';
import { containsPattern } from './like.js';
import { KELVIN } from './migrations/2026-12-07T00-00-search-indexes.js';

/*
 * SCIM filters over Users (RFC 7644 §3.4.2.2) compiled to one SQL condition on `users u`, so
 * that a list request reads one page and one count from the database, whatever the filter
 * (SPEC §4: filters run in the database). The semantics are those of core's in-memory
 * evaluator over the SCIM JSON of a user (`scim.matchesFilter(scim.userToScim(u))`), which the
 * tests hold this to on both databases: case rules from the schema (userName, displayName,
 * e-mails case-insensitive; id and externalId case-exact), `ne` on a multi-valued attribute true
 * only when no value equals, dates compared as instants, unknown attributes unassigned.
 *
 * Indexes (migration 2026-12-07T00-00-search-indexes) serve what identity providers send:
 * trigram indexes for substrings of displayName (pg_trgm; SQLite FTS5 as a pre-filter, the row
 * re-checked), user_emails for `emails[…]`, b-trees for externalId, name.familyName and active.
 * Group filters (scimGroupCondition, below) compile the same way over `teams g`.
 *
 * Not mapped (they match as unassigned attributes): extension attributes and `groups.$ref`;
 * `meta.location` is present on every user but, as it depends on the request's base URL, only
 * `pr` is answered (comparisons treat it as unassigned).
 */

type Sql = RawBuilder<unknown>;
type LeafType = 'string' | 'boolean' | 'date';

/** A single value a filter can compare: its SQL expression and its schema traits. */
interface Leaf {
  expr: Sql;
  type: LeafType;
  caseExact: boolean;
  /** Stored lower-cased already (user_id): compared as is, so that its index serves eq and sw. */
  folded?: boolean;
  /** SQLite: the column of users_fts (trigram) holding this value, a pre-filter for eq/co/sw/ew. */
  fts?: 'user_id' | 'name';
  /**
   * SQLite: an indexed expression equal to an ASCII needle exactly when the JavaScript fold of
   * the value is (lower() with the Kelvin sign mapped: migration 2026-12-07T00-00-search-indexes).
   */
  asciiFolded?: Sql;
}

/** A multi-valued attribute: a row source of its values and the leaf of each sub-attribute. */
interface Multi {
  /** `EXISTS (SELECT 1 FROM <from> WHERE <cond>)` */
  exists(cond: Sql): Sql;
  sub(name: string): Leaf | undefined;
  /** The sub-attribute compared when a filter names the attribute alone (RFC 7644 §3.4.2.2: `value`). */
  defaultSub: string;
}

const TRUE = sql`1 = 1`;
const FALSE = sql`1 = 0`;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** What differs between the databases, as data. */
interface Flavour {
  /** `s` ends with `e` (both already case-folded as needed). */
  endsWith(s: Sql, e: string): Sql;
  /** `s` starts with `e`, in a form an index on `s` can serve. */
  startsWith(s: Sql, e: string): Sql;
  contains(s: Sql, e: string): Sql;
  /** Byte-order comparison for gt/ge/lt/le (the in-memory evaluator compares code units). */
  ordered(s: Sql): Sql;
  /** Case folding for caseExact: false (as JavaScript's toLowerCase). */
  lower(s: Sql): Sql;
  /** A timestamp as SCIM shows it (`2026-06-01T10:00:00Z`), for string operators on dates. */
  isoText(s: Sql): Sql;
}

const groups: Multi = {
  exists: (cond) => sql`EXISTS (SELECT 1 FROM team_members gm JOIN teams gt ON gt.id = gm.team_id WHERE gm.user_id = u.id AND ${cond})`,
  sub: (name) => {
    switch (name.toLowerCase()) {
      case 'value': return { expr: sql`CAST(gt.id AS TEXT)`, type: 'string', caseExact: true };
      case 'display': return { expr: sql`gt.name`, type: 'string', caseExact: false };
      case 'type': return { expr: sql`'direct'`, type: 'string', caseExact: false };
      default: return undefined;
    }
  },
  defaultSub: 'value',
};

/**
 * The e-mails of `u`: the rows of user_emails (the stored JSON array, or `email` as the primary
 * work one for rows without it), the value compared through its fold so that user_emails_folded
 * serves `emails[value eq …]`; written as `u.id IN (…)` so that the database can start from them.
 */
const emails: Multi = {
  exists: (cond) => sql`u.id IN (SELECT em.user_id FROM user_emails em WHERE ${cond})`,
  sub: (name) => {
    switch (name.toLowerCase()) {
      case 'value': return { expr: sql`em.folded`, type: 'string', caseExact: false, folded: true };
      case 'type': return { expr: sql`em.type`, type: 'string', caseExact: false };
      case 'display': return { expr: sql`em.display`, type: 'string', caseExact: false };
      case 'primary': return { expr: sql`em.is_primary`, type: 'boolean', caseExact: true };
      default: return undefined;
    }
  },
  defaultSub: 'value',
};

/** `s` contains `part` as LIKE tells it (like.ts: the needle's `%`, `_` and `\` taken literally). */
const likeAnywhere = (s: Sql, part: string) => sql`${s} LIKE ${containsPattern(part)} ESCAPE '\\'`;

/**
 * A users_fts MATCH that every row whose `column`, folded as JavaScript does, contains the
 * lower-cased `needle` meets, or undefined when none can be told. FTS5 folds case with older
 * Unicode tables than JavaScript, so only ASCII needles: the characters outside ASCII that
 * JavaScript folds to ASCII are the Kelvin sign (FTS5 folds it to "k" too) and "İ" (to "i̇",
 * whose "i" FTS5 does not see: a needle's last "i" is left out). Trigrams: 3 characters at least.
 */
function ftsPhrase(column: string, needle: string): string | undefined {
  const n = needle.endsWith('i') ? needle.slice(0, -1) : needle;
  if (n.length < 3 || !/^[\x20-\x7e]+$/.test(n)) return undefined;
  return `{${column}} : "${n.replaceAll('"', '""')}"`;
}

const FLAVOURS: Record<DialectTraits['name'], Flavour> = {
  sqlite: {
    endsWith: (s, e) => sql`substr(${s}, ${-e.length}) = ${e}`,
    // BINARY collation compares UTF-8 bytes: the strings starting with e are e <= s < e + U+10FFFF.
    startsWith: (s, e) => sql`(${s} >= ${e} AND ${s} < ${`${e}\u{10FFFF}`})`,
    contains: (s, e) => sql`instr(${s}, ${e}) > 0`,
    ordered: (s) => s,
    // The JavaScript fold only for values with a character outside ASCII (rare): the C one otherwise.
    // (A text is ASCII when its length in characters is its length in bytes.)
    lower: (s) => sql`(CASE WHEN length(${s}) = length(CAST(${s} AS BLOB)) THEN lower(${s}) ELSE unicode_lower(${s}) END)`,
    isoText: (s) => sql`(substr(${s}, 1, 19) || 'Z')`,
  },
  postgres: {
    endsWith: (s, e) => sql`right(${s}, ${e.length}) = ${e}`,
    // Byte order whatever the database's collation, served by the users_user_id_bytes index.
    startsWith: (s, e) => sql`(${s} COLLATE "C" >= ${e} AND ${s} COLLATE "C" < ${`${e}\u{10FFFF}`})`,
    // LIKE (the needle's % and _ escaped) rather than strpos: pg_trgm's GIN indexes serve it.
    contains: (s, e) => likeAnywhere(s, e),
    ordered: (s) => sql`${s} COLLATE "C"`,
    lower: (s) => sql`lower(${s})`,
    isoText: (s) => sql`to_char(${s} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`,
  },
};

const isUserSchema = (uri: string | undefined) => uri === undefined || uri.toLowerCase() === scim.USER_SCHEMA.toLowerCase();

type Resolved = { kind: 'leaf'; leaf: Leaf } | { kind: 'multi'; multi: Multi; sub: string } | { kind: 'unassigned' } | { kind: 'location' };

type Resolver = (path: scim.AttrPath) => Resolved;

/** What an attribute path of a User names. */
function resolveUser(path: scim.AttrPath): Resolved {
  if (!isUserSchema(path.uri)) return { kind: 'unassigned' };
  const attr = path.attr.toLowerCase();
  const sub = path.sub?.toLowerCase();
  const leaf = (expr: Sql, type: LeafType = 'string', caseExact = false): Resolved => ({ kind: 'leaf', leaf: { expr, type, caseExact } });
  if (sub === undefined) {
    switch (attr) {
      case 'id': return leaf(sql`CAST(u.id AS TEXT)`, 'string', true);
      case 'externalid': return leaf(sql`u.external_id`, 'string', true);
      case 'username': return { kind: 'leaf', leaf: { expr: sql`u.user_id`, type: 'string', caseExact: false, folded: true, fts: 'user_id' } };
      case 'displayname': return { kind: 'leaf', leaf: { expr: sql`u.name`, type: 'string', caseExact: false, fts: 'name' } };
      case 'active': return leaf(sql`u.active`, 'boolean', true);
      case 'emails': return { kind: 'multi', multi: emails, sub: 'value' };
      case 'groups': return { kind: 'multi', multi: groups, sub: 'value' };
      default: return { kind: 'unassigned' };
    }
  }
  if (attr === 'name') {
    if (sub === 'givenname') return leaf(sql`u.given_name`);
    if (sub === 'familyname') {
      return { kind: 'leaf', leaf: { expr: sql`u.family_name`, type: 'string', caseExact: false, asciiFolded: sql`lower(replace(u.family_name, char(${sql.lit(KELVIN)}), 'k'))` } };
    }
    if (sub === 'formatted') return leaf(sql`u.formatted_name`);
    return { kind: 'unassigned' };
  }
  if (attr === 'meta') {
    if (sub === 'created') return leaf(sql`u.created`, 'date', false);
    if (sub === 'lastmodified') return leaf(sql`COALESCE(u.last_modified, u.created)`, 'date', false);
    if (sub === 'resourcetype') return leaf(sql`'User'`, 'string', true);
    if (sub === 'location') return { kind: 'location' };
    return { kind: 'unassigned' };
  }
  if (attr === 'emails') return emails.sub(sub) ? { kind: 'multi', multi: emails, sub } : { kind: 'unassigned' };
  if (attr === 'groups') return groups.sub(sub) ? { kind: 'multi', multi: groups, sub } : { kind: 'unassigned' };
  return { kind: 'unassigned' };
}

/** An unassigned attribute compared (core: compareOne(undefined, …)). */
function unassigned(c: scim.Comparator, value: scim.CompValue): Sql {
  if (c === 'eq') return value === null ? TRUE : FALSE;
  if (c === 'ne') return value !== null ? TRUE : FALSE;
  return FALSE;
}

/** Booleans as sent by Entra ID ("False"), as core reads them. */
function asBoolean(v: scim.CompValue): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
  return undefined;
}

/** `leaf <c> value` for one value that is present (NOT NULL is the caller's business). */
function comparePresent(leaf: Leaf, c: scim.Comparator, value: scim.CompValue, f: Flavour, t: DialectTraits): Sql {
  if (leaf.type === 'boolean') {
    if (c !== 'eq' && c !== 'ne') throw scim.invalidFilter(`Invalid filter: "${c}" cannot compare a boolean attribute`);
    const b = asBoolean(value);
    if (b === undefined) return c === 'ne' ? TRUE : FALSE;
    return c === 'eq' ? sql`${leaf.expr} = ${t.bool(b)}` : sql`${leaf.expr} <> ${t.bool(b)}`;
  }
  if (typeof value !== 'string') return c === 'ne' ? TRUE : FALSE;
  if (leaf.type === 'date' && ['gt', 'ge', 'lt', 'le', 'eq', 'ne'].includes(c) && ISO_DATE.test(value) && !Number.isNaN(Date.parse(value))) {
    const at = t.time(new Date(Date.parse(value)));
    const op = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=' }[c as 'eq'];
    return sql`${leaf.expr} ${sql.raw(op)} ${at}`;
  }
  const text = leaf.type === 'date' ? f.isoText(leaf.expr) : leaf.expr;
  const a = leaf.caseExact || leaf.folded ? text : f.lower(text);
  const e = leaf.caseExact ? value : value.toLowerCase();
  const exact = compareText(a, c, e, leaf, f);
  // SQLite: an index narrows the rows first (the exact condition still decides).
  if (t.name === 'sqlite') {
    if (c === 'eq' && leaf.asciiFolded && /^[\x00-\x7f]*$/.test(e)) return sql`(${leaf.asciiFolded} = ${e} AND ${exact})`;
    // (eq and sw of a folded column are an index range already: userName's unique index.)
    const trigrams = leaf.folded ? ['co', 'ew'] : ['eq', 'co', 'sw', 'ew'];
    const phrase = leaf.fts && trigrams.includes(c) ? ftsPhrase(leaf.fts, e) : undefined;
    if (phrase !== undefined) return sql`(u.id IN (SELECT rowid FROM users_fts WHERE users_fts MATCH ${phrase}) AND ${exact})`;
  }
  return exact;
}

/** `a <c> e` on text already folded as the comparison needs. */
function compareText(a: Sql, c: scim.Comparator, e: string, leaf: Leaf, f: Flavour): Sql {
  switch (c) {
    case 'eq': return sql`${a} = ${e}`;
    case 'ne': return sql`${a} <> ${e}`;
    case 'co': return f.contains(a, e);
    case 'sw': return leaf.folded ? f.startsWith(a, e) : sql`substr(${a}, 1, ${e.length}) = ${e}`;
    case 'ew': return f.endsWith(a, e);
    case 'gt': return sql`${f.ordered(a)} > ${e}`;
    case 'ge': return sql`${f.ordered(a)} >= ${e}`;
    case 'lt': return sql`${f.ordered(a)} < ${e}`;
    case 'le': return sql`${f.ordered(a)} <= ${e}`;
  }
}

/** A single-valued comparison, null included (core: compareOne). */
function compareLeaf(leaf: Leaf, c: scim.Comparator, value: scim.CompValue, f: Flavour, t: DialectTraits): Sql {
  if (value === null) {
    if (c === 'eq') return sql`${leaf.expr} IS NULL`;
    if (c === 'ne') return sql`${leaf.expr} IS NOT NULL`;
    if (leaf.type === 'boolean') throw scim.invalidFilter(`Invalid filter: "${c}" cannot compare a boolean attribute`);
    return FALSE;
  }
  const present = comparePresent(leaf, c, value, f, t);
  // An absent value is "not equal" to any value, and nothing else.
  return c === 'ne' ? sql`(${leaf.expr} IS NULL OR ${present})` : sql`(${leaf.expr} IS NOT NULL AND ${present})`;
}

const presentLeaf = (leaf: Leaf) => (leaf.type === 'string' ? sql`(${leaf.expr} IS NOT NULL AND ${leaf.expr} <> '')` : sql`${leaf.expr} IS NOT NULL`);

/** Compiles a filter to a condition on `users u`; inside a value filter, `element` is the multi-valued attribute. */
function compile(filter: scim.Filter, f: Flavour, t: DialectTraits, resolve: Resolver, element?: Multi): Sql {
  switch (filter.op) {
    case 'and': return sql`(${compile(filter.left, f, t, resolve, element)} AND ${compile(filter.right, f, t, resolve, element)})`;
    case 'or': return sql`(${compile(filter.left, f, t, resolve, element)} OR ${compile(filter.right, f, t, resolve, element)})`;
    case 'not': return sql`NOT (${compile(filter.filter, f, t, resolve, element)})`;
    case 'valuePath': {
      if (element) throw scim.invalidFilter('Invalid filter: value filters cannot be nested');
      const r = resolve({ ...(filter.path.uri !== undefined ? { uri: filter.path.uri } : {}), attr: filter.path.attr });
      if (r.kind !== 'multi') return FALSE;
      return r.multi.exists(compile(filter.filter, f, t, resolve, r.multi));
    }
    case 'pr': {
      if (element) {
        const leaf = element.sub(filter.path.attr);
        return leaf ? presentLeaf(leaf) : FALSE;
      }
      const r = resolve(filter.path);
      if (r.kind === 'leaf') return presentLeaf(r.leaf);
      if (r.kind === 'multi') return r.multi.exists(presentLeaf(r.multi.sub(r.sub)!));
      return r.kind === 'location' ? TRUE : FALSE;
    }
    case 'compare': {
      const { comparator: c, value } = filter;
      if (element) {
        const leaf = element.sub(filter.path.attr);
        return leaf ? compareLeaf(leaf, c, value, f, t) : unassigned(c, value);
      }
      const r = resolve(filter.path);
      if (r.kind === 'unassigned' || r.kind === 'location') return unassigned(c, value);
      if (r.kind === 'leaf') return compareLeaf(r.leaf, c, value, f, t);
      const leaf = r.multi.sub(r.sub)!;
      // Some value matches; `ne`: no value is equal (core: every value differs, and none counts as different).
      if (c === 'ne') {
        if (value === null) return r.multi.exists(sql`${leaf.expr} IS NOT NULL`);
        return sql`NOT ${r.multi.exists(sql`(${leaf.expr} IS NOT NULL AND ${comparePresent(leaf, 'eq', value, f, t)})`)}`;
      }
      if (value === null) return c === 'eq' ? sql`NOT ${r.multi.exists(sql`${leaf.expr} IS NOT NULL`)}` : FALSE;
      return r.multi.exists(sql`(${leaf.expr} IS NOT NULL AND ${comparePresent(leaf, c, value, f, t)})`);
    }
  }
}

/**
 * `u` is a human, written so that neither database picks the (user_type, id) index over an index
 * the filter can use: SQLite has no statistics unless ANALYZE ran (`+` makes the term
 * unindexable); PostgreSQL without fresh statistics (a table just filled) ANDed a bitmap of every
 * human with the filter's few rows (10 ms for `userName sw` on 100,000 users). Nearly all users
 * are humans, so the term only ever filters.
 */
export function scimHumans(traits: DialectTraits): Sql {
  return traits.name === 'sqlite' ? sql`+u.user_type = 'Human'` : sql`(u.user_type || '') = 'Human'`;
}

/**
 * The SQL condition (on `users u`) of a SCIM filter over Users.
 * @throws ScimError invalidFilter where core's evaluator would (e.g. `active gt true`)
 */
export function scimUserCondition(filter: scim.Filter, traits: DialectTraits): Sql {
  return compile(filter, FLAVOURS[traits.name], traits, resolveUser);
}

const isGroupSchema = (uri: string | undefined) => uri === undefined || uri.toLowerCase() === scim.GROUP_SCHEMA.toLowerCase();

/** The human members of `g` (SCIM lists no service account). */
const members: Multi = {
  exists: (cond) => sql`EXISTS (SELECT 1 FROM team_members mm JOIN users mu ON mu.id = mm.user_id WHERE mm.team_id = g.id AND mu.user_type = 'Human' AND ${cond})`,
  sub: (name) => {
    switch (name.toLowerCase()) {
      case 'value': return { expr: sql`CAST(mu.id AS TEXT)`, type: 'string', caseExact: true };
      case 'display': return { expr: sql`mu.name`, type: 'string', caseExact: false };
      case 'type': return { expr: sql`'User'`, type: 'string', caseExact: false };
      default: return undefined;
    }
  },
  defaultSub: 'value',
};

/** What an attribute path of a Group names (`members.$ref`, as `groups.$ref` of Users, is not mapped). */
function resolveGroup(path: scim.AttrPath): Resolved {
  if (!isGroupSchema(path.uri)) return { kind: 'unassigned' };
  const attr = path.attr.toLowerCase();
  const sub = path.sub?.toLowerCase();
  const leaf = (expr: Sql, type: LeafType = 'string', caseExact = false): Resolved => ({ kind: 'leaf', leaf: { expr, type, caseExact } });
  if (sub === undefined) {
    switch (attr) {
      case 'id': return leaf(sql`CAST(g.id AS TEXT)`, 'string', true);
      case 'externalid': return leaf(sql`g.external_id`, 'string', true);
      case 'displayname': return leaf(sql`g.name`);
      case 'members': return { kind: 'multi', multi: members, sub: 'value' };
      default: return { kind: 'unassigned' };
    }
  }
  if (attr === 'meta') {
    if (sub === 'created') return leaf(sql`g.created`, 'date', false);
    if (sub === 'lastmodified') return leaf(sql`COALESCE(g.last_modified, g.created)`, 'date', false);
    if (sub === 'resourcetype') return leaf(sql`'Group'`, 'string', true);
    if (sub === 'location') return { kind: 'location' };
    return { kind: 'unassigned' };
  }
  if (attr === 'members') return members.sub(sub) ? { kind: 'multi', multi: members, sub } : { kind: 'unassigned' };
  return { kind: 'unassigned' };
}

/**
 * The SQL condition (on `teams g`) of a SCIM filter over Groups, with the semantics of core's
 * evaluator over `scim.teamToScim` (displayName case-insensitive, id and externalId case-exact).
 * @throws ScimError invalidFilter where core's evaluator would
 */
export function scimGroupCondition(filter: scim.Filter, traits: DialectTraits): Sql {
  return compile(filter, FLAVOURS[traits.name], traits, resolveGroup);
}
