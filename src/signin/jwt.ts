// Reads the claims of a JWT without verifying it: for messages and debug lines only. The token
// itself is never printed.

export type Claims = Record<string, unknown>;

export function decodeClaims(token: string | undefined): Claims | undefined {
  if (!token) return undefined;
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const json = Buffer.from(part.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
    const claims: unknown = JSON.parse(json);
    return claims && typeof claims === 'object' && !Array.isArray(claims) ? (claims as Claims) : undefined;
  } catch {
    return undefined;
  }
}

export function claim(claims: Claims | undefined, name: string): string | undefined {
  const value = claims?.[name];
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.join(', ');
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The claims safe to show in a debug line: who the token is for and until when. */
export function describeAccessToken(claims: Claims | undefined): string {
  if (!claims) return 'an opaque token';
  const exp = Number(claims.exp);
  const parts = [
    `aud=${claim(claims, 'aud') ?? '?'}`,
    `oid=${claim(claims, 'oid') ?? '?'}`,
    `appid=${claim(claims, 'appid') ?? claim(claims, 'azp') ?? '?'}`,
    `tid=${claim(claims, 'tid') ?? '?'}`,
    `exp=${Number.isFinite(exp) ? new Date(exp * 1000).toISOString() : '?'}`,
  ];
  return parts.join(' ');
}
