import { MultiSelect } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, query } from '../../api/client';
import type { UserListing, UserRef } from '../../api/types';

/*
 * Service account owners (SPEC §9): the people told about its tokens (expiry reminders, idle
 * warnings, handovers); none set = the Admin who created it.
 */

const ownersKey = (id: number) => ['users', id, 'owners'] as const;

/** The owners in effect (those set, else the creator). */
export const useOwners = (id: number | null) =>
  useQuery({ queryKey: ownersKey(id ?? 0), queryFn: () => api<UserRef[]>(`/users/${id}/owners`), enabled: id !== null });

export function useSetOwners() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ownerIds }: { id: number; ownerIds: number[] }) =>
      api<UserRef[]>(`/users/${id}/owners`, { method: 'PUT', body: { owner_ids: ownerIds } }),
    onSuccess: (owners, { id }) => qc.setQueryData(ownersKey(id), owners),
  });
}

/** People to pick from, searched on the server (50 at a time, as the service account picker). */
function usePeople(enabled: boolean, search: string) {
  return useQuery({
    queryKey: ['users', 'listing', 'Human', search],
    queryFn: ({ signal }) => api<UserListing[]>(`/users/listing${query({ type: 'Human', limit: 50, search })}`, { signal }),
    placeholderData: keepPreviousData,
    enabled,
  });
}

type Person = Pick<UserListing, 'id' | 'name' | 'user_id'>;

/**
 * Picks a service account's owners among people. `known` labels ids already chosen that the
 * current search does not list (e.g. the owners loaded with the account).
 */
export function OwnersField({
  value,
  onChange,
  known = [],
  enabled = true,
  error,
  disabled,
  description,
}: {
  value: number[];
  onChange: (ids: number[]) => void;
  known?: Person[];
  enabled?: boolean;
  error?: string | undefined;
  disabled?: boolean;
  description?: string;
}) {
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 250);
  const people = usePeople(enabled, debounced);
  // Chosen people stay labelled whatever the search shows.
  const [seen, setSeen] = useState<Map<number, Person>>(new Map());
  const all = new Map<number, Person>([...known.map((p) => [p.id, p] as const), ...seen, ...(people.data ?? []).map((p) => [p.id, p] as const)]);
  const data = [...all.values()].map((p) => ({ value: String(p.id), label: `${p.name} (${p.user_id})` }));
  return (
    <MultiSelect
      label="Owners"
      placeholder={value.length ? undefined : 'Search people'}
      description={description ?? 'People told about its tokens: expiry reminders, idle warnings, handovers. None = the Admin who creates it.'}
      data={data}
      value={value.map(String)}
      onChange={(ids) => {
        setSeen((m) => new Map([...m, ...ids.flatMap((id) => (all.has(Number(id)) ? [[Number(id), all.get(Number(id))!] as const] : []))]));
        onChange(ids.map(Number));
      }}
      searchable
      searchValue={search}
      onSearchChange={setSearch}
      nothingFoundMessage={people.isFetching ? 'Searching…' : 'No person matches'}
      clearable
      error={error}
      disabled={disabled}
    />
  );
}
