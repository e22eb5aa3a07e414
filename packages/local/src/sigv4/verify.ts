import { timingSafeEqual } from 'node:crypto';
import { computeSignature, type WireRequest } from './canonical.js';
import type { SignatureClaim } from './claim.js';
import { HOST_NOT_SIGNED, mismatch, SignatureError } from './errors.js';

/** AWS's allowed clock skew between X-Amz-Date and its own clock. */
export const MAX_SKEW_MS = 5 * 60 * 1000;

/** A lower-case HTTP field name (RFC 9110 token characters). */
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;

export interface VerificationTarget {
  readonly region: string;
  readonly service: string;
  readonly secretAccessKey: string;
  readonly now: Date;
}

/**
 * Checks scope (region, service), time (skew, or presign expiry), the SignedHeaders list and the signature itself
 * against the secret. Throws a SignatureError carrying AWS's wording.
 */
export function verifySignature(request: WireRequest, claim: SignatureClaim, expected: VerificationTarget): void {
  if (claim.region !== expected.region) {
    throw new SignatureError(
      'InvalidSignatureException',
      `Credential should be scoped to a valid region, not '${claim.region}'. `,
    );
  }
  if (claim.service !== expected.service) {
    throw new SignatureError(
      'InvalidSignatureException',
      `Credential should be scoped to correct service: '${expected.service}'. `,
    );
  }
  const signedAt = parseAmzDate(claim.amzDate);
  if (!signedAt) {
    throw new SignatureError(
      'IncompleteSignatureException',
      `Date must be in ISO-8601 'basic format'. Got '${claim.amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601`,
    );
  }
  checkTime(claim, signedAt, expected.now);
  if (claim.scopeDate !== claim.amzDate.slice(0, 8)) throw mismatch();
  checkSignedHeaders(request, claim.signedHeaders);

  const computed = computeSignature(request, claim, expected.secretAccessKey);
  const given = Buffer.from(claim.signature, 'utf8');
  const wanted = Buffer.from(computed, 'utf8');
  // Constant time, so response timing tells nothing about how much of a forged signature was right.
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) throw mismatch();
}

/**
 * SignedHeaders as the spec defines it: lower-case names, sorted, each once, `host` among them, and each present in
 * the request. A conforming signer never produces anything else, so any other list is refused outright rather than
 * canonicalised into something that might match (a list "signing" an absent header, or one header twice).
 */
function checkSignedHeaders(request: WireRequest, signedHeaders: readonly string[]): void {
  // Host must be signed (the spec requires it); otherwise a signature could be replayed against another host.
  if (!signedHeaders.includes('host')) throw new SignatureError('IncompleteSignatureException', HOST_NOT_SIGNED);
  signedHeaders.forEach((name, index) => {
    const previous = index === 0 ? undefined : signedHeaders[index - 1]!;
    const sortedAndUnique = previous === undefined || previous < name;
    if (!HEADER_NAME.test(name) || !sortedAndUnique || (request.headers[name]?.length ?? 0) === 0) throw mismatch();
  });
}

function checkTime(claim: SignatureClaim, signedAt: Date, now: Date): void {
  const at = now.getTime();
  if (claim.expiresSeconds !== undefined) {
    // Presigned: valid from X-Amz-Date until X-Amz-Date + X-Amz-Expires.
    const limit = new Date(at - claim.expiresSeconds * 1000);
    if (signedAt.getTime() < limit.getTime()) {
      throw new SignatureError(
        'InvalidSignatureException',
        `Signature expired: ${claim.amzDate} is now earlier than ${formatAmzDate(limit)} (${formatAmzDate(now)} - ${claim.expiresSeconds} sec.)`,
      );
    }
  } else if (signedAt.getTime() < at - MAX_SKEW_MS) {
    throw new SignatureError(
      'InvalidSignatureException',
      `Signature expired: ${claim.amzDate} is now earlier than ${formatAmzDate(new Date(at - MAX_SKEW_MS))} (${formatAmzDate(now)} - 5 min.)`,
    );
  }
  if (signedAt.getTime() > at + MAX_SKEW_MS) {
    throw new SignatureError(
      'InvalidSignatureException',
      `Signature not yet current: ${claim.amzDate} is still later than ${formatAmzDate(new Date(at + MAX_SKEW_MS))} (${formatAmzDate(now)} + 5 min.)`,
    );
  }
}

/** `20260102T030405Z` → Date; undefined when malformed. */
export function parseAmzDate(amzDate: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function formatAmzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}
