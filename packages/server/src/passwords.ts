import { hash, verify } from '@node-rs/argon2';
import type { PasswordHasher } from '@gatehouse/core';

/** `Algorithm.Argon2id` of @node-rs/argon2 (a const enum, which isolated modules cannot read). */
const ARGON2ID = 2;

/**
 * Argon2id (RFC 9106). Defaults follow OWASP's minimum (19 MiB, 2 passes); tests pass lighter
 * parameters to stay fast.
 */
export function argon2Passwords(params: { memoryCost?: number; timeCost?: number } = {}): PasswordHasher {
  const options = { algorithm: ARGON2ID, memoryCost: params.memoryCost ?? 19_456, timeCost: params.timeCost ?? 2, parallelism: 1 };
  return {
    hash: (password) => hash(password, options),
    verify: async (h, password) => {
      try {
        return await verify(h, password);
      } catch {
        return false;
      }
    },
  };
}
