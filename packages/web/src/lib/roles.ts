import { roleAtLeast, type Role } from '../api/types';

/** `atLeast('Manager', 'Editor') === true`; false while the role is not known yet. */
export const atLeast = (role: Role | undefined, min: Role): boolean => role !== undefined && roleAtLeast(role, min);
