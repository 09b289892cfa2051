import { createHash, createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';

/** One signing secret and the keys derived from it. */
export interface SigningKey {
  kid: string;
  /** HS256 key for the JWT signature. */
  jwtKey: KeyObject;
  /** HMAC key for the stored token hash ("pepper"). */
  hashKey: KeyObject;
}

/**
 * The secrets in force. The first key signs new tokens; the others still verify the tokens
 * they signed until they are removed (retired). Keys are derived with HKDF so that the
 * signature key and the hashing pepper are independent even though one secret is configured.
 */
export interface Keyring {
  readonly signing: SigningKey;
  /** By kid. */
  get(kid: string): SigningKey | undefined;
  /** Key for hashing session ids (from the signing key). */
  readonly sessionKey: KeyObject;
}

export const MIN_SECRET_LENGTH = 32;

/**
 * Keys are KeyObjects, made once: on Node 24 (OpenSSL 3.5) an HMAC keyed by a Buffer imports the
 * key on every call, several times the cost of the HMAC itself.
 */
function derive(secret: string, info: string): KeyObject {
  return createSecretKey(Buffer.from(hkdfSync('sha256', secret, 'gatehouse', info, 32)));
}

/** A stable, non-secret identifier for a secret: the first 8 hex digits of its SHA-256. */
export function defaultKid(secret: string): string {
  return 'k' + createHash('sha256').update(secret).digest('hex').slice(0, 8);
}

/**
 * @param secrets in order of preference: the first signs. Each needs at least 32 characters.
 * @throws Error on an empty list, a short secret or a duplicate kid (a configuration error).
 */
export function createKeyring(secrets: ReadonlyArray<{ kid?: string; secret: string }>): Keyring {
  if (secrets.length === 0) throw new Error('at least one signing secret is required');
  const byKid = new Map<string, SigningKey>();
  for (const { kid: given, secret } of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) {
      throw new Error(`a signing secret must have at least ${MIN_SECRET_LENGTH} characters`);
    }
    const kid = given ?? defaultKid(secret);
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(kid)) throw new Error(`invalid key id "${kid}": use 1-32 letters, digits, - or _`);
    if (byKid.has(kid)) throw new Error(`duplicate key id "${kid}"`);
    byKid.set(kid, { kid, jwtKey: derive(secret, 'jwt-hs256'), hashKey: derive(secret, 'token-hash') });
  }
  const signing = byKid.values().next().value as SigningKey;
  const sessionKey = derive(secrets[0]!.secret, 'session-hash');
  return { signing, get: (kid) => byKid.get(kid), sessionKey };
}
