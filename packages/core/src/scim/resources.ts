import type { Team, User, UserEmail, UserRef } from '../model.js';
import { invalidValue } from './errors.js';
import { getProp } from './filter.js';
import { GROUP_SCHEMA, USER_SCHEMA } from './schemas.js';

/*
 * The one mapping between Gatehouse users/teams and SCIM resources (RFC 7643 §4), both ways.
 * Resources are plain JSON: filters, PATCH and projection work on them.
 */

export type ScimResource = Record<string, unknown>;

/** RFC 3339 without milliseconds, as the rest of the API. */
const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The e-mails SCIM shows: those stored, or (rows from before they were) `email` as the primary work address. */
function emailsOf(u: User): UserEmail[] {
  if (u.emails) return u.emails;
  return u.email ? [{ value: u.email, type: 'work', display: null, primary: true }] : [];
}

/** A user as a SCIM User. `baseUrl` ends in `/scim/v2`. Unassigned attributes are left out (RFC 7643 §2.5). */
export function userToScim(u: User, baseUrl: string): ScimResource {
  const name: Record<string, string> = {};
  if (u.formattedName) name.formatted = u.formattedName;
  if (u.familyName) name.familyName = u.familyName;
  if (u.givenName) name.givenName = u.givenName;
  const emails = emailsOf(u).map((e) => ({ value: e.value, ...(e.type !== null ? { type: e.type } : {}), ...(e.display !== null ? { display: e.display } : {}), primary: e.primary }));
  return {
    schemas: [USER_SCHEMA],
    id: String(u.id),
    ...(u.externalId ? { externalId: u.externalId } : {}),
    userName: u.userId,
    ...(Object.keys(name).length > 0 ? { name } : {}),
    displayName: u.name,
    active: u.active,
    ...(emails.length > 0 ? { emails } : {}),
    groups: u.teams.map((t) => ({ value: String(t.id), $ref: `${baseUrl}/Groups/${t.id}`, display: t.name, type: 'direct' })),
    meta: {
      resourceType: 'User',
      created: iso(u.created),
      lastModified: iso(u.lastModified ?? u.created),
      location: `${baseUrl}/Users/${u.id}`,
    },
  };
}

/**
 * A team as a SCIM Group; only humans are members in SCIM (service accounts are not SCIM's).
 * `humans` = the team's humans (TeamStore.allMembers); without them `members` is left out (the
 * client excluded it: a group may hold every user).
 */
export function teamToScim(t: Team, baseUrl: string, humans?: readonly UserRef[]): ScimResource {
  return {
    schemas: [GROUP_SCHEMA],
    id: String(t.id),
    ...(t.externalId ? { externalId: t.externalId } : {}),
    displayName: t.name,
    ...(humans ? { members: humans.map((m) => ({ value: String(m.id), $ref: `${baseUrl}/Users/${m.id}`, display: m.name, type: 'User' })) } : {}),
    meta: {
      resourceType: 'Group',
      created: iso(t.created),
      lastModified: iso(t.lastModified ?? t.created),
      location: `${baseUrl}/Groups/${t.id}`,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Reading bodies (POST, PUT, and the result of a PATCH)

const EMAIL = /^[^\s@]+@[^\s@]+$/;

function optString(obj: unknown, name: string, field = name): string | null {
  const v = getProp(obj, name);
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw invalidValue(`${field} must be a string`);
  const t = v.trim();
  if (t.length > 320) throw invalidValue(`${field} must be at most 320 characters`);
  return t === '' ? null : t;
}

/** SCIM booleans, and the strings Entra ID sends instead ("True", "False"). */
export function readBoolean(v: unknown, field: string): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v.trim())) return v.trim().toLowerCase() === 'true';
  throw invalidValue(`${field} must be a boolean`);
}

/** What SCIM says about a user, validated. */
export interface ScimUserState {
  userName: string;
  externalId: string | null;
  givenName: string | null;
  familyName: string | null;
  /** `name.formatted` as sent; null when not sent (it is never derived). */
  formattedName: string | null;
  /** Gatehouse's `name`: displayName, else name.formatted, else given and family names, else userName. */
  displayName: string;
  /** Every e-mail as sent; null = none sent and none derived (`email` alone, legacy shape). */
  emails: UserEmail[] | null;
  /** Gatehouse's `email`: the primary value, else the first work one, else the first; null = none. */
  email: string | null;
  /** Absent from the body: a PUT keeps the current value (RFC 7644 §3.5.1), a POST creates an active user. */
  active: boolean | undefined;
}

export interface ReadUserOptions {
  /**
   * With no `emails` attribute at all, a userName that is an e-mail address is the e-mail (POST
   * and PUT: identity providers that map only userName). Not after a PATCH: an `emails` removed
   * by the PATCH stays removed.
   */
  emailFromUserName: boolean;
}

function readEmails(emails: unknown): UserEmail[] {
  if (!Array.isArray(emails)) throw invalidValue('emails must be an array');
  const out: UserEmail[] = [];
  emails.forEach((e, i) => {
    if (e === null || typeof e !== 'object' || Array.isArray(e)) throw invalidValue(`emails[${i}] must be an object`);
    const value = optString(e, 'value', `emails[${i}].value`);
    if (value === null) return;
    if (!EMAIL.test(value)) throw invalidValue(`emails[${i}].value must be an e-mail address`);
    const primary = getProp(e, 'primary');
    const item: UserEmail = {
      value,
      type: optString(e, 'type', `emails[${i}].type`),
      display: optString(e, 'display', `emails[${i}].display`),
      primary: primary === undefined || primary === null ? false : readBoolean(primary, `emails[${i}].primary`),
    };
    // The same address twice (case-insensitive, RFC 7643 §4.1.2) is kept once, its flags merged.
    const same = out.find((o) => o.value.toLowerCase() === value.toLowerCase());
    if (same) {
      same.primary ||= item.primary;
      same.type ??= item.type;
      same.display ??= item.display;
    } else out.push(item);
  });
  // RFC 7643 §2.4: the primary value appears no more than once.
  if (out.filter((e) => e.primary).length > 1) throw invalidValue('emails: at most one value may be primary');
  return out;
}

/**
 * Reads a SCIM User body. Unknown attributes (titles, phone numbers, the enterprise extension)
 * are ignored, as identity providers send many by default.
 * @throws ScimError invalidValue naming the attribute
 */
export function readUser(body: unknown, opts: ReadUserOptions = { emailFromUserName: true }): ScimUserState {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalidValue('The body must be a SCIM User object');
  // RFC 7643 §4.1.1: userName is any non-empty string, unique without regard to case (Okta,
  // OneLogin and JumpCloud may send plain user names such as "bjensen").
  const userName = optString(body, 'userName');
  if (userName === null) throw invalidValue('userName is required');
  // `<slug>@service` ids are service accounts', which are not SCIM's (SPEC §7).
  if (/@service$/i.test(userName)) throw invalidValue('userName must not end in "@service": such ids belong to service accounts');
  const name = getProp(body, 'name');
  if (name !== undefined && name !== null && (typeof name !== 'object' || Array.isArray(name))) throw invalidValue('name must be an object');
  const givenName = optString(name, 'givenName', 'name.givenName');
  const familyName = optString(name, 'familyName', 'name.familyName');
  const formattedName = optString(name, 'formatted', 'name.formatted');
  const displayName = optString(body, 'displayName') ?? formattedName ?? ([givenName, familyName].filter((p) => p).join(' ') || userName);
  if (displayName.length > 100) throw invalidValue('displayName must be at most 100 characters');

  const rawEmails = getProp(body, 'emails');
  let emails: UserEmail[] | null = rawEmails === undefined || rawEmails === null ? null : readEmails(rawEmails);
  let email: string | null = null;
  if (emails && emails.length > 0) {
    email = (emails.find((e) => e.primary) ?? emails.find((e) => e.type?.toLowerCase() === 'work') ?? emails[0]!).value;
  } else if (emails === null && opts.emailFromUserName && EMAIL.test(userName)) {
    email = userName;
  } else {
    emails ??= [];
  }
  const active = getProp(body, 'active');
  return {
    userName: userName.toLowerCase(),
    externalId: optString(body, 'externalId'),
    givenName,
    familyName,
    formattedName,
    displayName,
    emails,
    email: email?.toLowerCase() ?? null,
    active: active === undefined || active === null ? undefined : readBoolean(active, 'active'),
  };
}

/** What SCIM says about a group, validated. Members are user ids (not yet checked to exist). */
export interface ScimGroupState {
  displayName: string;
  externalId: string | null;
  memberIds: number[];
}

/** A member `value` is Gatehouse's user id, as a string. */
export function readMemberId(v: unknown, field: string): number {
  const s = typeof v === 'number' ? String(v) : v;
  if (typeof s !== 'string' || !/^[1-9][0-9]{0,9}$/.test(s.trim()) || Number(s) > 2147483647) throw invalidValue(`${field} must be the id of a User`);
  return Number(s);
}

export function readGroup(body: unknown): ScimGroupState {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalidValue('The body must be a SCIM Group object');
  const displayName = optString(body, 'displayName');
  if (displayName === null) throw invalidValue('displayName is required');
  if (displayName.length > 100) throw invalidValue('displayName must be at most 100 characters');
  const members = getProp(body, 'members');
  if (members !== undefined && members !== null && !Array.isArray(members)) throw invalidValue('members must be an array');
  const memberIds = (Array.isArray(members) ? members : []).map((m, i) => readMemberId(getProp(m, 'value'), `members[${i}].value`));
  return { displayName, externalId: optString(body, 'externalId'), memberIds: [...new Set(memberIds)] };
}

// ---------------------------------------------------------------------------------------------
// attributes / excludedAttributes (RFC 7644 §3.4.2.5)

/** Attribute names from a comma-separated list, lower-cased, URN prefixes of the core schema dropped. */
function parseAttributeList(list: string | undefined, coreSchema: string): string[] {
  if (!list) return [];
  return list
    .split(',')
    .map((a) => a.trim().toLowerCase())
    .filter((a) => a !== '')
    .map((a) => (a.startsWith(`${coreSchema.toLowerCase()}:`) ? a.slice(coreSchema.length + 1) : a));
}

const ALWAYS = new Set(['id', 'schemas']);

/** Whether a projection (and filter) needs `attribute` of the resources at all. */
export function projectionNeeds(attribute: string, coreSchema: string, q: { attributes?: string | undefined; excludedAttributes?: string | undefined; filter?: string | undefined }): boolean {
  const a = attribute.toLowerCase();
  // A filter may name it anywhere (members[value eq "7"], members.value pr): read it then.
  if (q.filter && q.filter.toLowerCase().includes(a)) return true;
  const include = parseAttributeList(q.attributes, coreSchema);
  if (include.length > 0) return include.some((x) => x === a || x.startsWith(`${a}.`));
  return !parseAttributeList(q.excludedAttributes, coreSchema).includes(a);
}

/** Keeps `attributes` (plus `id`, `schemas`) or drops `excludedAttributes`; sub-attributes by `a.b`. */
export function project(resource: ScimResource, coreSchema: string, attributes?: string, excluded?: string): ScimResource {
  const include = parseAttributeList(attributes, coreSchema);
  const exclude = parseAttributeList(excluded, coreSchema);
  if (include.length === 0 && exclude.length === 0) return resource;
  const out: ScimResource = {};
  for (const [k, v] of Object.entries(resource)) {
    const key = k.toLowerCase();
    if (include.length > 0) {
      if (ALWAYS.has(key) || include.includes(key)) out[k] = v;
      else {
        const subs = include.filter((a) => a.startsWith(`${key}.`)).map((a) => a.slice(key.length + 1));
        if (subs.length > 0) out[k] = pick(v, subs, true);
      }
      continue;
    }
    if (ALWAYS.has(key)) out[k] = v;
    else if (!exclude.includes(key)) {
      const subs = exclude.filter((a) => a.startsWith(`${key}.`)).map((a) => a.slice(key.length + 1));
      out[k] = subs.length > 0 ? pick(v, subs, false) : v;
    }
  }
  return out;
}

function pick(v: unknown, subs: string[], keep: boolean): unknown {
  if (Array.isArray(v)) return v.map((x) => pick(x, subs, keep));
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v).filter(([k]) => subs.includes(k.toLowerCase()) === keep));
}
