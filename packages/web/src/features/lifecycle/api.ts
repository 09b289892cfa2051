import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { Paginated } from '../../api/types';

/** SPEC §9 policy, as the API has it. */
export interface Policy {
  max_expiry_days: { Personal: number | null; Service: number | null };
  idle_revoke_days: { Personal: number | null; Service: number | null };
  expiry_reminder_days: number[];
}

export interface Webhook {
  id: number;
  url: string;
  events: string[];
  description: string | null;
  active: boolean;
  created: string;
}

export interface Delivery {
  id: number;
  event: string;
  message_id: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: string | null;
  created: string;
}

export const WEBHOOK_EVENTS = [
  'token.created', 'token.revoked', 'token.restored', 'token.rotated', 'token.deleted', 'token.expiring', 'token.expired',
  'token.idle_warning', 'token.idle_revoked', 'user.deactivated',
] as const;

const keys = { policy: ['policy'] as const, webhooks: ['webhooks'] as const, deliveries: (id: number) => ['webhooks', id, 'deliveries'] as const };

/**
 * The longest lifetime a new token of each type may get (null: "Never" allowed), and each type's
 * idle limit (a token's own may only be shorter; absent from older servers); any signed-in user.
 */
export const useTokenLifetimes = () =>
  useQuery({
    queryKey: ['policy', 'lifetimes'],
    queryFn: () =>
      api<{ Personal: number | null; Service: number | null; idle_revoke_days?: { Personal: number | null; Service: number | null } }>('/policy/lifetimes'),
    staleTime: 60_000,
  });

export const usePolicy = () => useQuery({ queryKey: keys.policy, queryFn: () => api<Policy>('/policy') });

export function useSavePolicy() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: Policy) => api<Policy>('/policy', { method: 'PUT', body }),
    onSuccess: (p) => {
      qc.setQueryData(keys.policy, p);
      void qc.invalidateQueries({ queryKey: ['policy', 'lifetimes'] });
    },
  });
}

export const useWebhooks = () => useQuery({ queryKey: keys.webhooks, queryFn: () => api<Webhook[]>('/webhooks') });

export const useDeliveries = (id: number | null) =>
  useQuery({
    queryKey: keys.deliveries(id ?? 0),
    queryFn: () => api<Paginated<Delivery>>(`/webhooks/${id}/deliveries?size=20`),
    enabled: id !== null,
    refetchInterval: 3000,
  });

export function useWebhookMutations() {
  const qc = useQueryClient();
  const refresh = () => void qc.invalidateQueries({ queryKey: keys.webhooks });
  return {
    create: useMutation({
      mutationFn: (body: { url: string; events: string[]; description?: string }) => api<Webhook & { secret: string }>('/webhooks', { method: 'POST', body }),
      onSuccess: refresh,
    }),
    update: useMutation({
      mutationFn: ({ id, ...body }: { id: number; active?: boolean }) => api<Webhook>(`/webhooks/${id}`, { method: 'PUT', body }),
      onSuccess: refresh,
    }),
    remove: useMutation({ mutationFn: (id: number) => api<void>(`/webhooks/${id}`, { method: 'DELETE' }), onSuccess: refresh }),
    test: useMutation({ mutationFn: (id: number) => api<Delivery>(`/webhooks/${id}/test`, { method: 'POST' }), onSuccess: refresh }),
    redeliver: useMutation({
      mutationFn: ({ id, delivery }: { id: number; delivery: number }) => api<Delivery>(`/webhooks/${id}/deliveries/${delivery}/redeliver`, { method: 'POST' }),
      onSuccess: (_d, v) => void qc.invalidateQueries({ queryKey: keys.deliveries(v.id) }),
    }),
  };
}
