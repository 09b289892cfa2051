import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, query } from './client';
import type {
  Connection,
  ConnectionInput,
  CreatedToken,
  CreateHumanInput,
  CreateServiceAccountInput,
  CreateTokenBody,
  CursorPage,
  Datastore,
  DatastoreInput,
  Me,
  Paginated,
  Role,
  Team,
  TeamMember,
  TeamInput,
  Token,
  User,
  UserListing,
} from './types';

export const keys = {
  me: ['me'] as const,
  setup: ['auth', 'setup'] as const,
  authConfig: ['auth', 'config'] as const,
  tokens: ['tokens'] as const,
  users: ['users'] as const,
  serviceAccounts: ['users', 'listing', 'Service'] as const,
  teams: ['teams'] as const,
  datastores: ['datastores'] as const,
  connections: ['connections'] as const,
};

// ---- session ---------------------------------------------------------------------------------

export function useMe() {
  return useQuery({
    queryKey: keys.me,
    queryFn: () => api<Me>('/users/me', { quiet401: true }),
    retry: false,
    staleTime: 60_000,
  });
}

/** How people sign in here (SPEC §8): password mode and the single sign-on button, if any. */
export interface AuthConfig {
  password_login: 'on' | 'admins' | 'off';
  sso: { name: string } | null;
}

export function useAuthConfig() {
  return useQuery({
    queryKey: keys.authConfig,
    queryFn: () => api<AuthConfig>('/auth/config', { quiet401: true }),
    retry: false,
    staleTime: 60_000,
  });
}

export function useSetupStatus() {
  return useQuery({
    queryKey: keys.setup,
    queryFn: () => api<{ setup_required: boolean }>('/auth/setup', { quiet401: true }),
    retry: false,
    staleTime: 30_000,
  });
}

export function useLogin() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { email: string; password: string }) =>
      api<{ user: User }>('/auth/login', { method: 'POST', body, quiet401: true }),
    onSuccess: () => {
      qc.removeQueries();
    },
  });
}

export function useSetup() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { setup_token: string; email: string; name: string; password: string }) =>
      api<{ user: User }>('/auth/setup', { method: 'POST', body, quiet401: true }),
    onSuccess: () => {
      qc.removeQueries();
    },
  });
}

export function useLogout() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api<void>('/auth/logout', { method: 'POST', quiet401: true }),
    onSettled: () => {
      qc.clear();
    },
  });
}

// ---- tokens ----------------------------------------------------------------------------------

/** Which tokens the Tokens tab shows: the caller's own, every service token, or both (Admins). */
export type TokenScope = 'own' | 'service' | 'all';

export interface TokenPageFilter {
  scope: TokenScope;
  size: number;
  /** A name prefix; results are then in name order (the server's name index). */
  search?: string;
  cursor?: string;
}

/** One page of tokens, paged, searched and counted by the server. */
export function useTokenPage(filter: TokenPageFilter) {
  const path = filter.scope === 'service' ? '/user-tokens/service' : '/user-tokens';
  const params = {
    size: filter.size,
    include_service: filter.scope === 'all' ? 'true' : undefined,
    search: filter.search,
    sort: filter.search ? 'name' : undefined,
    cursor: filter.cursor,
  };
  return useQuery({
    queryKey: [...keys.tokens, 'page', filter],
    queryFn: ({ signal }) => api<CursorPage<Token>>(`${path}${query(params)}`, { signal }),
    placeholderData: keepPreviousData,
  });
}

/**
 * The signed-in person's own tokens, unpaged (a person holds a handful; service tokens are not
 * included): for the expiring-soon banner.
 */
export function useOwnTokens() {
  return useQuery({ queryKey: [...keys.tokens, 'own-all'], queryFn: () => api<Token[]>('/user-tokens') });
}

export function useCreateToken() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateTokenBody) =>
      api<CreatedToken>('/user-tokens', { method: 'POST', body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.tokens }),
  });
}

export type TokenAction = 'revoke' | 'restore' | 'delete';

export function useTokenAction() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ token, action }: { token: Token; action: TokenAction }): Promise<unknown> =>
      action === 'delete'
        ? api<void>(`/user-tokens/${token.id}`, { method: 'DELETE' })
        : api<Token>(`/user-tokens/${token.id}`, {
            method: 'PUT',
            body: { revoke: action === 'revoke' },
          }),
    onSettled: () => qc.invalidateQueries({ queryKey: keys.tokens }),
  });
}

// ---- users and teams -------------------------------------------------------------------------

export interface UserFilter {
  /** A page number, or `cursor` (a page's next_cursor / prev_cursor, or "last"). */
  page?: number;
  cursor?: string;
  size: number;
  type?: 'Human' | 'Service';
  search?: string;
}

export function useUsers(filter: UserFilter, enabled = true) {
  return useQuery({
    queryKey: [...keys.users, 'page', filter],
    queryFn: ({ signal }) => api<CursorPage<User>>(`/users${query({ ...filter })}`, { signal }),
    placeholderData: keepPreviousData,
    enabled,
  });
}

/** Service accounts whose id or name contains `search`, 50 at most: a picker searches on the server. */
export function useServiceAccounts(enabled: boolean, search = '') {
  return useQuery({
    queryKey: [...keys.serviceAccounts, search],
    queryFn: ({ signal }) => api<UserListing[]>(`/users/listing${query({ type: 'Service', limit: 50, search })}`, { signal }),
    placeholderData: keepPreviousData,
    enabled,
  });
}

/** A person's account, as POST /api/users takes it (a service account's has no user_type). */
export type NewHumanUser = CreateHumanInput & { user_type: 'Human' };

export function useCreateUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateServiceAccountInput | NewHumanUser) =>
      api<User>('/users', { method: 'POST', body }),
    // A new account joins Public and its teams: their member lists change too.
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: keys.users });
      void qc.invalidateQueries({ queryKey: keys.teams });
    },
  });
}

export function useUpdateUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({
      id,
      ...body
    }: {
      id: number;
      name?: string;
      role?: Role;
      teams?: string[];
      active?: boolean;
    }) => api<User>(`/users/${id}`, { method: 'PUT', body }),
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: keys.users });
      void qc.invalidateQueries({ queryKey: keys.teams });
      void qc.invalidateQueries({ queryKey: keys.me });
    },
  });
}

export function useDeactivateUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => api<void>(`/users/${id}`, { method: 'DELETE' }),
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: keys.users });
      void qc.invalidateQueries({ queryKey: keys.tokens });
    },
  });
}

export function useTeams(cursor: string | undefined, size: number, enabled = true) {
  return useQuery({
    queryKey: [...keys.teams, 'page', cursor, size],
    queryFn: () => api<CursorPage<Team>>(`/teams${query({ cursor, size })}`),
    placeholderData: keepPreviousData,
    enabled,
  });
}

/** Every team name (for pickers); the API pages at 100 at most, so walk the pages. */
export function useAllTeamNames(enabled: boolean) {
  return useQuery({
    queryKey: [...keys.teams, 'all-names'],
    enabled,
    queryFn: async () => {
      const names: string[] = [];
      for (let page = 1; page < 50; page++) {
        const res = await api<Paginated<Team>>(`/teams${query({ page, size: 100 })}`);
        names.push(...res.items.map((t) => t.name));
        if (page * res.size >= res.total || res.items.length === 0) break;
      }
      return names;
    },
  });
}

export function useSaveTeam() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...body }: TeamInput & { id?: number }) =>
      id === undefined
        ? api<Team>('/teams', { method: 'POST', body })
        : api<Team>(`/teams/${id}`, { method: 'PUT', body }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: keys.teams });
      void qc.invalidateQueries({ queryKey: keys.users });
    },
  });
}

/** One page of a team's members, by name; `search` as the user list's (on the server). */
export function useTeamMembers(teamId: number | undefined, filter: { cursor?: string | undefined; search?: string; size: number }, enabled = true) {
  return useQuery({
    queryKey: [...keys.teams, 'members', teamId, filter],
    queryFn: ({ signal }) => api<CursorPage<TeamMember>>(`/teams/${teamId}/members${query({ ...filter })}`, { signal }),
    placeholderData: keepPreviousData,
    enabled: enabled && teamId !== undefined,
  });
}

/** Adds members without sending the others (a team may hold every user). */
export function useAddTeamMembers() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, userIds }: { id: number; userIds: number[] }) => api<Team>(`/teams/${id}/members`, { method: 'POST', body: { user_ids: userIds } }),
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: keys.teams });
      void qc.invalidateQueries({ queryKey: keys.users });
    },
  });
}

export function useRemoveTeamMember() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, userId }: { id: number; userId: number }) => api<void>(`/teams/${id}/members/${userId}`, { method: 'DELETE' }),
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: keys.teams });
      void qc.invalidateQueries({ queryKey: keys.users });
    },
  });
}

export function useDeleteTeam() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => api<void>(`/teams/${id}`, { method: 'DELETE' }),
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: keys.teams });
      void qc.invalidateQueries({ queryKey: keys.users });
    },
  });
}

// ---- datastores ------------------------------------------------------------------------------

export function useDatastores(filter: { page: number; size: number; search?: string }) {
  return useQuery({
    queryKey: [...keys.datastores, filter],
    queryFn: ({ signal }) =>
      api<Paginated<Datastore>>(`/datastores${query({ ...filter, sort: 'name' })}`, { signal }),
    placeholderData: keepPreviousData,
  });
}

export function useSaveDatastore() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...body }: DatastoreInput & { id?: number }) =>
      id === undefined
        ? api<Datastore>('/datastores', { method: 'POST', body })
        : api<Datastore>(`/datastores/${id}`, { method: 'PUT', body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.datastores }),
  });
}

export function useDeleteDatastore() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => api<void>(`/datastores/${id}`, { method: 'DELETE' }),
    onSettled: () => qc.invalidateQueries({ queryKey: keys.datastores }),
  });
}

// ---- connections -----------------------------------------------------------------------------

export function useConnections(filter: { page: number; size: number; name?: string }) {
  return useQuery({
    queryKey: [...keys.connections, filter],
    queryFn: ({ signal }) => api<Paginated<Connection>>(`/connections${query(filter)}`, { signal }),
    placeholderData: keepPreviousData,
  });
}

/** Every connection (the choices of a datastore's Connection field). */
export function useAllConnections(enabled: boolean) {
  return useQuery({
    queryKey: [...keys.connections, 'all'],
    queryFn: ({ signal }) => api<Paginated<Connection>>(`/connections${query({ page: 1, size: 1000 })}`, { signal }),
    enabled,
  });
}

export function useSaveConnection() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...body }: ConnectionInput & { id?: number }) =>
      id === undefined
        ? api<Connection>('/connections', { method: 'POST', body })
        : api<Connection>(`/connections/${id}`, { method: 'PUT', body }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: keys.connections });
      // Datastores show their connection's name and carry its type, host and port.
      void qc.invalidateQueries({ queryKey: keys.datastores });
    },
  });
}

export function useDeleteConnection() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => api<void>(`/connections/${id}`, { method: 'DELETE' }),
    onSettled: () => qc.invalidateQueries({ queryKey: keys.connections }),
  });
}
