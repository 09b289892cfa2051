import type { Token } from '../api/types';

export type TokenStatus = 'Active' | 'Revoked' | 'Expired';

/** Revoked wins over expired: a revoked token can be restored, so say so. */
export function tokenStatus(token: Pick<Token, 'active' | 'expiration'>, now = Date.now()): TokenStatus {
  if (!token.active) return 'Revoked';
  if (token.expiration !== null && new Date(token.expiration).getTime() <= now) return 'Expired';
  return 'Active';
}

export const STATUS_COLOR: Record<TokenStatus, string> = {
  Active: 'green',
  Revoked: 'orange',
  Expired: 'gray',
};

export const EXPIRATION_CHOICES = [
  { value: '30', label: '30 days', days: 30 },
  { value: '60', label: '60 days', days: 60 },
  { value: '90', label: '90 days', days: 90 },
  { value: '365', label: '1 year', days: 365 },
  { value: 'never', label: 'Never', days: null },
] as const;

export type ExpirationValue = (typeof EXPIRATION_CHOICES)[number]['value'];

export function expiresInDays(value: string): number | null {
  const choice = EXPIRATION_CHOICES.find((c) => c.value === value);
  if (choice) return choice.days;
  // A policy's own limit, offered when it is shorter than every usual choice.
  return /^\d{1,4}$/.test(value) ? Number(value) : 30;
}

/** Days until an active token expires, when that is within `withinDays` (an "expiring soon" badge); else null. */
export function expiringSoon(token: Pick<Token, 'active' | 'expiration'>, now = Date.now(), withinDays = 7): number | null {
  if (!token.active || token.expiration === null) return null;
  const ms = new Date(token.expiration).getTime() - now;
  if (ms <= 0 || ms > withinDays * 86_400_000) return null;
  return Math.ceil(ms / 86_400_000);
}

/** A file name for the downloaded token: the token's name, made safe for every file system. */
export function tokenFileName(name: string): string {
  const safe = name
    .trim()
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .replace(/^\.+/, '');
  return `${safe || 'token'}.txt`;
}
