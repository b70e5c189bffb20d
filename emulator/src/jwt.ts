// RS256 JSON Web Tokens, as GitHub's token service and Microsoft Entra issue them.
import { createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

export type Claims = Record<string, unknown>;

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function newSigningKey(kid: string): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, publicKey };
}

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

export function signJwt(key: SigningKey, claims: Claims): string {
  const head = b64({ typ: 'JWT', alg: 'RS256', kid: key.kid, x5t: key.kid });
  const body = b64(claims);
  const sig = sign('sha256', Buffer.from(`${head}.${body}`), key.privateKey).toString('base64url');
  return `${head}.${body}.${sig}`;
}

export interface Decoded {
  header: Claims;
  claims: Claims;
  /** True when signed by one of the keys. */
  valid: boolean;
}

/** Decodes a JWT and checks its signature against the keys; undefined when it is not a JWT. */
export function decodeJwt(token: string, keys: SigningKey[]): Decoded | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString()) as Claims;
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString()) as Claims;
    const key = keys.find((k) => k.kid === header.kid);
    const valid =
      !!key && header.alg === 'RS256' && verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), key.publicKey, Buffer.from(parts[2], 'base64url'));
    return { header, claims, valid };
  } catch {
    return undefined;
  }
}

/** The key as a JWKS entry (GitHub's /.well-known/jwks, Entra's discovery/v2.0/keys). */
export function jwk(key: SigningKey): Claims {
  const j = createPublicKey(key.publicKey).export({ format: 'jwk' });
  return { kty: 'RSA', use: 'sig', alg: 'RS256', kid: key.kid, x5t: key.kid, n: j.n, e: j.e };
}
