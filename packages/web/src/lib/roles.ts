import type { Role } from '../api/types';

const RANK: Record<Role, number> = { Member: 0, Editor: 1, Manager: 2, Admin: 3 };

/** `atLeast('Manager', 'Editor') === true`: the role table of SPEC §1. */
export const atLeast = (role: Role | undefined, min: Role): boolean =>
  role !== undefined && RANK[role] >= RANK[min];
