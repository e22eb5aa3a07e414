/**
 * Reads `exp` from a JWT payload WITHOUT verifying the signature. Safe here because the token is not trusted for
 * anything: it came straight from the identity service over TLS and is only passed on to the client; the value only
 * tells the client when to come back. Anything that is not a JWT with a numeric `exp` gives undefined.
 */
export function readJwtExpiry(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    if (payload === null || typeof payload !== 'object') return undefined;
    const exp = (payload as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) && exp > 0 ? exp : undefined;
  } catch {
    return undefined;
  }
}
