import { GatehouseApiError, GatehouseUnreachableError } from './errors.js';
import type {
  AuditEvent, AuditQuery, CreatedToken, CreateHumanInput, CreateServiceAccountInput, CreateTokenInput, Connection, ConnectionInput, CursorPage, Datastore,
  DatastoreInput, DatastoreQuery, Introspection, LeakReportItem, LeakVerdict, Me, Page, PageParams, RotateOptions, Team, TeamInput, TeamMember, Token, TokenListQuery,
  UpdateUserInput, User,
  UserListing, UserType,
} from './types.js';

export interface ClientOptions {
  /** The server, e.g. https://gatehouse.example.com (a trailing slash or /api is fine). */
  url: string;
  /** A Gatehouse token (Personal or Service). */
  token: string;
  /** Per request, default 30 s. */
  timeoutMs?: number;
  /** Injected fetch (tests, proxies); the global one by default. */
  fetch?: typeof fetch;
  userAgent?: string;
}

type Query = Record<string, string | number | boolean | string[] | undefined>;

/** What `paginate` asks a list for: a page number and size, and the cursor once the list gave one. */
export interface PageWindow {
  page: number;
  size: number;
  cursor?: string;
}

/** Normalises "https://host/", "https://host/api" → "https://host". */
export function baseUrlOf(url: string): string {
  return url.trim().replace(/\/+$/, '').replace(/\/api$/, '');
}

/**
 * A typed client for every route of the Gatehouse API (SPEC §3). Methods resolve to the wire
 * objects and reject with GatehouseApiError (an HTTP error, with `status` and `code`) or
 * GatehouseUnreachableError (no answer).
 *
 * @example
 * const gh = new GatehouseClient({ url: 'https://gatehouse.example.com', token: process.env.GATEHOUSE_TOKEN! });
 * const robot = await gh.users.createServiceAccount({ name: 'Nightly ETL', role: 'Editor' });
 * const { bearer_token } = await gh.tokens.create({ name: 'etl-prod', user_id: robot.id, expires_in_days: 90 });
 */
export class GatehouseClient {
  readonly baseUrl: string;
  readonly #token: string;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  readonly #userAgent: string;

  constructor(opts: ClientOptions) {
    this.baseUrl = baseUrlOf(opts.url);
    if (!/^https?:\/\/[^/]/.test(this.baseUrl)) throw new TypeError(`url must be http(s)://…, got "${opts.url}"`);
    this.#token = opts.token;
    this.#fetch = opts.fetch ?? globalThis.fetch;
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
    this.#userAgent = opts.userAgent ?? 'gatehouse-sdk';
  }

  /** One API call; `path` starts with /api. Resolves to the parsed JSON (undefined for 204). */
  async request<T>(method: string, path: string, opts: { query?: Query; body?: unknown } = {}): Promise<T> {
    const res = await this.#send(method, path, 'application/json', opts);
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }

  /** One API call answered as text (e.g. `format=csv`): the body as the server sent it. */
  async requestText(method: string, path: string, opts: { query?: Query; accept?: string } = {}): Promise<string> {
    const res = await this.#send(method, path, opts.accept ?? 'text/plain', opts);
    return res.text();
  }

  async #send(method: string, path: string, accept: string, opts: { query?: Query; body?: unknown }): Promise<Response> {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) {
      if (v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) url.searchParams.append(k, String(one));
    }
    let res: Response;
    try {
      res = await this.#fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.#token}`,
          accept,
          'user-agent': this.#userAgent,
          ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (e) {
      throw new GatehouseUnreachableError(this.baseUrl, e);
    }
    if (!res.ok) throw await GatehouseApiError.fromResponse(res);
    return res;
  }

  /**
   * Every item of a paginated list, page by page (`size` up to 1000). `onPage` reports progress.
   * @example for await (const u of gh.paginate((p) => gh.users.list({ ...p, type: 'Service' }))) console.log(u.user_id);
   */
  async *paginate<T>(
    list: (p: PageWindow) => Promise<Page<T>>,
    opts: { size?: number; onPage?: (fetched: number, total: number) => void } = {},
  ): AsyncGenerator<T> {
    const size = opts.size ?? 100;
    let fetched = 0;
    let cursor: string | undefined;
    for (let page = 1; ; page++) {
      const p = await list({ page, size, ...(cursor !== undefined ? { cursor } : {}) });
      fetched += p.items.length;
      opts.onPage?.(fetched, p.total);
      yield* p.items;
      // Lists with cursors: follow them (deep pages cost what the first does).
      if ('next_cursor' in p) {
        const next = (p as CursorPage<T>).next_cursor;
        if (next === null || p.items.length === 0) return;
        cursor = next;
        continue;
      }
      if (p.items.length === 0 || page * size >= p.total) return;
    }
  }

  /** Collects `paginate` into an array. */
  async listAll<T>(list: (p: PageWindow) => Promise<Page<T>>, opts: { size?: number; onPage?: (fetched: number, total: number) => void } = {}): Promise<T[]> {
    const all: T[] = [];
    for await (const item of this.paginate(list, opts)) all.push(item);
    return all;
  }

  /** GET /api/users/me: the caller, and the token it used. */
  me(): Promise<Me> {
    return this.request('GET', '/api/users/me');
  }

  /** GET /api/health: resolves when the server is up (public). */
  health(): Promise<void> {
    return this.request('GET', '/api/health');
  }

  /** GET /api/status (public): `{status: 'ok'}` when the server is reachable. */
  status(): Promise<{ status: string }> {
    return this.request('GET', '/api/status');
  }

  /** POST /api/introspect (RFC 7662): needs a Manager or Admin token. See also `createVerifier`. */
  introspect(token: string, opts: { clientIp?: string } = {}): Promise<Introspection> {
    return this.request('POST', '/api/introspect', { body: { token, ...(opts.clientIp ? { client_ip: opts.clientIp } : {}) } });
  }

  /**
   * POST /api/leaks (Admin, scope tokens:write): each reported token of this server is revoked at
   * once with reason `leaked`; the answer labels each entry, in the order sent.
   */
  reportLeaks(items: LeakReportItem[]): Promise<LeakVerdict[]> {
    return this.request('POST', '/api/leaks', { body: items });
  }

  readonly users = {
    /** Manager+. */
    list: (q: PageParams & { type?: UserType; search?: string } = {}): Promise<CursorPage<User>> => this.request('GET', '/api/users', { query: { ...q } }),
    /** Manager+: a light list, e.g. `{type: 'Service'}`. */
    listing: (q: { type?: UserType; search?: string } = {}): Promise<UserListing[]> => this.request('GET', '/api/users/listing', { query: { ...q } }),
    get: (id: number): Promise<User> => this.request('GET', `/api/users/${id}`),
    /** Admin: a service account, id `<slug>@service`. */
    createServiceAccount: (input: CreateServiceAccountInput): Promise<User> => this.request('POST', '/api/users', { body: input }),
    /** Admin. */
    createHuman: (input: CreateHumanInput): Promise<User> => this.request('POST', '/api/users', { body: { user_type: 'Human', ...input } }),
    update: (id: number, patch: UpdateUserInput): Promise<User> => this.request('PUT', `/api/users/${id}`, { body: patch }),
    /** Admin: deactivate, revoking all tokens. */
    deactivate: (id: number): Promise<void> => this.request('DELETE', `/api/users/${id}`),
    /** Admin: incident response. */
    revokeTokens: (id: number): Promise<{ revoked: number; token_ids: number[] }> => this.request('POST', `/api/users/${id}/revoke-tokens`),
  };

  /** Service accounts: users of type Service. */
  readonly serviceAccounts = {
    list: (q: PageParams & { search?: string } = {}): Promise<CursorPage<User>> => this.users.list({ ...q, type: 'Service' }),
    create: (input: CreateServiceAccountInput): Promise<User> => this.users.createServiceAccount(input),
    /** Deactivates it and revokes its tokens (no orphaned tokens). */
    delete: (id: number): Promise<void> => this.users.deactivate(id),
  };

  readonly teams = {
    list: (q: PageParams & { search?: string } = {}): Promise<CursorPage<Team>> => this.request('GET', '/api/teams', { query: { ...q } }),
    get: (id: number): Promise<Team> => this.request('GET', `/api/teams/${id}`),
    create: (input: TeamInput & { name: string }): Promise<Team> => this.request('POST', '/api/teams', { body: input }),
    update: (id: number, patch: TeamInput): Promise<Team> => this.request('PUT', `/api/teams/${id}`, { body: patch }),
    delete: (id: number): Promise<void> => this.request('DELETE', `/api/teams/${id}`),
    /** A team's members by name; `search` as the user list's. */
    members: (id: number, q: PageParams & { search?: string } = {}): Promise<CursorPage<TeamMember>> => this.request('GET', `/api/teams/${id}/members`, { query: { ...q } }),
    addMembers: (id: number, userIds: number[]): Promise<Team> => this.request('POST', `/api/teams/${id}/members`, { body: { user_ids: userIds } }),
    removeMember: (id: number, userId: number): Promise<void> => this.request('DELETE', `/api/teams/${id}/members/${userId}`),
  };

  readonly tokens = {
    /** The secret is in `bearer_token`, in this response only. */
    create: (input: CreateTokenInput): Promise<CreatedToken> => this.request('POST', '/api/user-tokens', { body: input }),
    /** The caller's own tokens (a plain array, as the reference API). */
    list: (): Promise<Token[]> => this.request('GET', '/api/user-tokens'),
    /** Admin: every service token, or one service account's (a plain array). */
    listService: (q: { user_id?: number } = {}): Promise<Token[]> => this.request('GET', '/api/user-tokens/service', { query: { ...q } }),
    /** A page of the caller's own tokens; `include_service` (Admin) adds every service token. */
    page: (q: TokenListQuery & { include_service?: boolean } = {}): Promise<CursorPage<Token>> =>
      this.request('GET', '/api/user-tokens', { query: { size: 50, ...q } }),
    /** Admin: a page of the service tokens, or of one service account's. */
    servicePage: (q: TokenListQuery & { user_id?: number } = {}): Promise<CursorPage<Token>> =>
      this.request('GET', '/api/user-tokens/service', { query: { size: 50, ...q } }),
    get: (id: number): Promise<Token> => this.request('GET', `/api/user-tokens/${id}`),
    revoke: (id: number): Promise<Token> => this.request('PUT', `/api/user-tokens/${id}`, { body: { revoke: true } }),
    restore: (id: number): Promise<Token> => this.request('PUT', `/api/user-tokens/${id}`, { body: { revoke: false } }),
    rename: (id: number, name: string): Promise<Token> => this.request('PUT', `/api/user-tokens/${id}`, { body: { name } }),
    /**
     * A new secret; the old one stops at once, or after `grace_hours` (0–168). Without
     * `expires_in_days`, the original lifetime.
     */
    rotate: (id: number, opts: RotateOptions = {}): Promise<CreatedToken> =>
      this.request('POST', `/api/user-tokens/${id}/rotate`, { body: opts }),
    /**
     * The client's own token rotates itself (automation renewing its credential; service
     * accounts may). Use the returned `bearer_token` from now on (a new client with that token).
     */
    rotateSelf: (opts: RotateOptions = {}): Promise<CreatedToken> => this.request('POST', '/api/user-tokens/self/rotate', { body: opts }),
    /** Revoked tokens only. */
    delete: (id: number): Promise<void> => this.request('DELETE', `/api/user-tokens/${id}`),
  };

  readonly datastores = {
    list: (q: DatastoreQuery = {}): Promise<Page<Datastore>> => this.request('GET', '/api/datastores', { query: { ...q } }),
    get: (id: number): Promise<Datastore> => this.request('GET', `/api/datastores/${id}`),
    create: (input: DatastoreInput): Promise<Datastore> => this.request('POST', '/api/datastores', { body: input }),
    update: (id: number, patch: Partial<DatastoreInput>): Promise<Datastore> => this.request('PUT', `/api/datastores/${id}`, { body: patch }),
    delete: (id: number): Promise<void> => this.request('DELETE', `/api/datastores/${id}`),
  };

  /** Where datastores connect (no credentials stored); Editors and up change them. */
  readonly connections = {
    list: (q: PageParams & { name?: string; type?: string[] } = {}): Promise<Page<Connection>> => this.request('GET', '/api/connections', { query: { ...q } }),
    get: (id: number): Promise<Connection> => this.request('GET', `/api/connections/${id}`),
    create: (input: ConnectionInput): Promise<Connection> => this.request('POST', '/api/connections', { body: input }),
    update: (id: number, patch: Partial<ConnectionInput>): Promise<Connection> => this.request('PUT', `/api/connections/${id}`, { body: patch }),
    /** 409 while datastores use it. */
    delete: (id: number): Promise<void> => this.request('DELETE', `/api/connections/${id}`),
  };

  readonly audit = {
    /** Admin: newest first. */
    list: (q: AuditQuery = {}): Promise<CursorPage<AuditEvent>> => this.request('GET', '/api/audit-events', { query: { ...q } }),
  };
}
