import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, query } from './client';
import { keys } from './hooks';
import type { AuditEvent, CreatedToken, Paginated, Token, UserListing } from './types';

/** Wire types of the usage insight routes (SPEC §10). */
export interface TokenClient {
  ip: string | null;
  user_agent: string | null;
  first_seen: string;
  last_seen: string;
  requests: number;
}

export interface TokenUsage {
  daily: { date: string; requests: number }[];
  clients: TokenClient[];
}

export interface BlastRadius {
  days: number;
  tokens: number;
  requests: number;
  clients: TokenClient[];
  last_used: string | null;
  text: string;
}

export interface AccessReviewRow {
  id: number;
  name: string;
  type: 'Personal' | 'Service';
  owner: string;
  owner_name: string;
  owner_role: string;
  owner_active: boolean;
  teams: string[];
  scim_endpoints_only: boolean;
  scopes: string[] | null;
  created: string;
  created_by: string | null;
  expiration: string | null;
  last_used: string | null;
  idle_days: number | null;
  status: 'active' | 'revoked' | 'expired';
  policy_violations: string[];
}

export interface AccessReviewFilter {
  type?: 'Personal' | 'Service';
  owner?: string;
  idle_days?: number;
  never_used?: boolean;
  never_expires?: boolean;
  owner_deactivated?: boolean;
}

export const usageKeys = {
  token: (id: number) => [...keys.tokens, 'one', id] as const,
  usage: (id: number, days: number) => [...keys.tokens, 'usage', id, days] as const,
  tokenRadius: (id: number) => [...keys.tokens, 'blast-radius', id] as const,
  userRadius: (id: number) => [...keys.users, 'blast-radius', id] as const,
  review: (f: AccessReviewFilter) => [...keys.tokens, 'access-review', f] as const,
};

export function useToken(id: number) {
  return useQuery({ queryKey: usageKeys.token(id), queryFn: () => api<Token>(`/user-tokens/${id}`) });
}

export function useTokenUsage(id: number, days: number) {
  return useQuery({ queryKey: usageKeys.usage(id, days), queryFn: () => api<TokenUsage>(`/user-tokens/${id}/usage${query({ days })}`) });
}

/** What a destructive action would stop: of one token, or of all active tokens of a user. */
export function useBlastRadius(target: { token: number } | { user: number } | null) {
  return useQuery({
    queryKey: target === null ? ['blast-radius', 'none'] : 'token' in target ? usageKeys.tokenRadius(target.token) : usageKeys.userRadius(target.user),
    queryFn: () => api<BlastRadius>(target !== null && 'token' in target ? `/user-tokens/${target.token}/blast-radius` : `/users/${target !== null && 'user' in target ? target.user : 0}/blast-radius`),
    enabled: target !== null,
    // Always fresh: it is read when a confirmation opens.
    staleTime: 0,
  });
}

export function useRenameToken() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, name }: { id: number; name: string }) => api<Token>(`/user-tokens/${id}`, { method: 'PUT', body: { name } }),
    onSettled: () => qc.invalidateQueries({ queryKey: keys.tokens }),
  });
}

export function useRotateToken() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, graceHours }: { id: number; graceHours?: number }) =>
      api<CreatedToken>(`/user-tokens/${id}/rotate`, { method: 'POST', body: graceHours ? { grace_hours: graceHours } : {} }),
    onSettled: () => qc.invalidateQueries({ queryKey: keys.tokens }),
  });
}

const reviewQuery = (f: AccessReviewFilter) =>
  query({
    type: f.type,
    owner: f.owner,
    idle_days: f.idle_days,
    never_used: f.never_used ? 'true' : undefined,
    never_expires: f.never_expires ? 'true' : undefined,
    owner_deactivated: f.owner_deactivated ? 'true' : undefined,
  });

export function useAccessReview(f: AccessReviewFilter) {
  return useQuery({ queryKey: usageKeys.review(f), queryFn: () => api<AccessReviewRow[]>(`/access-review${reviewQuery(f)}`) });
}

/** The CSV of the same rows, as the browser downloads it. */
export const accessReviewCsvUrl = (f: AccessReviewFilter) => {
  const q = reviewQuery(f);
  return `/api/access-review${q ? `${q}&` : '?'}format=csv`;
};

export interface AuditFilter {
  actor_id?: number;
  token_id?: number;
  action?: string;
  since?: string;
  until?: string;
}

const auditQuery = (f: AuditFilter, extra: Record<string, string | number> = {}) => query({ ...f, ...extra });

export function useAuditEvents(f: AuditFilter, page: number, size: number) {
  return useQuery({
    queryKey: ['audit', f, page, size],
    queryFn: ({ signal }) => api<Paginated<AuditEvent>>(`/audit-events${auditQuery(f, { page, size })}`, { signal }),
    placeholderData: keepPreviousData,
  });
}

/** The CSV of every event the filters select. */
export const auditCsvUrl = (f: AuditFilter) => `/api/audit-events${auditQuery(f, { format: 'csv' })}`;

/** Every account, light (for names in the audit log and its actor filter). */
export function useUserDirectory(enabled: boolean) {
  return useQuery({ queryKey: [...keys.users, 'listing', 'all'], queryFn: () => api<UserListing[]>('/users/listing'), enabled, staleTime: 60_000 });
}
