/**
 * The PHC string format (`$<id>[$v=<version>]$<param>=<value>[,...]$<salt>$<hash>`), as written by the argon2
 * reference implementation, passlib and most password libraries: salt and hash in standard base64 without padding.
 *
 * The parser is strict and bounded on purpose. A stored hash is input like any other (an import, a compromised row,
 * a bug elsewhere): every parameter is checked against the caller's limits here, before any key derivation is
 * started, so a hostile string can neither make `verify` do unbounded work nor reach a native library with values
 * it would reject or misread. Anything unexpected (unknown or reordered parameters, leading zeros, padding,
 * non-canonical base64, extra segments) is refused rather than guessed at: `undefined`, never a throw.
 */

/** Longer than any supported hash needs; anything longer is refused before it is even split. */
export const MAX_PHC_LENGTH = 512;

export interface IntegerRange {
  readonly min: number;
  readonly max: number;
}

/** The exact shape one algorithm accepts. Parameters must appear in this order, each exactly once. */
export interface PhcFormat<P extends string> {
  readonly ids: readonly string[];
  /** Accepted `v=` values; `whenAbsent` is the version a string without a `v=` segment has (none: required). */
  readonly versions?: { readonly accepted: readonly number[]; readonly whenAbsent?: number };
  readonly params: readonly ({ readonly name: P } & IntegerRange)[];
  readonly saltBytes: IntegerRange;
  readonly hashBytes: IntegerRange;
}

export interface PhcHash<P extends string> {
  readonly id: string;
  /** `undefined` for formats without versions. */
  readonly version: number | undefined;
  readonly params: Readonly<Record<P, number>>;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

/** Parses `encoded` against `format`; `undefined` when it is not exactly a well-formed string of that format. */
export function parsePhc<P extends string>(encoded: string, format: PhcFormat<P>): PhcHash<P> | undefined {
  if (typeof encoded !== 'string' || encoded.length > MAX_PHC_LENGTH || !encoded.startsWith('$')) return undefined;
  const segments = encoded.slice(1).split('$');
  const id = segments.shift();
  if (id === undefined || !format.ids.includes(id)) return undefined;

  let version: number | undefined;
  if (format.versions) {
    if (segments[0]?.startsWith('v=')) {
      version = parseDecimal(segments.shift()!.slice(2));
      if (version === undefined || !format.versions.accepted.includes(version)) return undefined;
    } else {
      version = format.versions.whenAbsent;
      if (version === undefined) return undefined;
    }
  }

  if (segments.length !== 3) return undefined;
  const [paramSegment, saltText, hashText] = segments as [string, string, string];
  const params = parseParams(paramSegment, format.params);
  if (!params) return undefined;
  const salt = decodePhcBase64(saltText, format.saltBytes);
  const hash = decodePhcBase64(hashText, format.hashBytes);
  if (!salt || !hash) return undefined;
  return { id, version, params, salt, hash };
}

/** Formats a hash in `format`'s parameter order: what `parsePhc` reads back. */
export function formatPhc<P extends string>(
  format: PhcFormat<P>,
  hash: { readonly id: string; readonly version?: number; readonly params: Readonly<Record<P, number>> } & {
    readonly salt: Uint8Array;
    readonly hash: Uint8Array;
  },
): string {
  const version = hash.version === undefined ? '' : `$v=${hash.version}`;
  const params = format.params.map(({ name }) => `${name}=${hash.params[name]}`).join(',');
  return `$${hash.id}${version}$${params}$${encodePhcBase64(hash.salt)}$${encodePhcBase64(hash.hash)}`;
}

/** Standard base64 alphabet, no padding (the PHC "B64" encoding). */
export function encodePhcBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64').replace(/=+$/, '');
}

const PHC_BASE64 = /^[A-Za-z0-9+/]*$/;

/**
 * Decodes PHC base64 whose decoded length lies in `bytes`; `undefined` otherwise. Node's own decoder is lenient
 * (it skips unknown characters and accepts the URL-safe alphabet), so the alphabet is checked first, and the result
 * must re-encode to the same text: exactly one spelling of each byte string is accepted.
 */
export function decodePhcBase64(text: string, bytes: IntegerRange): Buffer | undefined {
  if (text.length > Math.ceil((bytes.max * 4) / 3) || text.length % 4 === 1 || !PHC_BASE64.test(text)) {
    return undefined;
  }
  const decoded = Buffer.from(text, 'base64');
  if (decoded.length < bytes.min || decoded.length > bytes.max || encodePhcBase64(decoded) !== text) return undefined;
  return decoded;
}

/**
 * The bytes every devauth derivation starts from: the password's UTF-8 encoding (a lone surrogate becomes U+FFFD,
 * as in every WHATWG encoder). Node's own error for a wrong type would quote the value; this one never does.
 */
export function passwordBytes(password: string | Uint8Array): Uint8Array {
  if (typeof password === 'string') return Buffer.from(password, 'utf8');
  if (password instanceof Uint8Array) return password;
  throw new TypeError('A password must be a string.');
}

const DECIMAL = /^(?:0|[1-9][0-9]{0,9})$/;

/** A canonical non-negative decimal integer of at most 10 digits (no sign, no leading zeros); else `undefined`. */
export function parseDecimal(text: string): number | undefined {
  return DECIMAL.test(text) ? Number(text) : undefined;
}

function parseParams<P extends string>(
  segment: string,
  rules: readonly ({ readonly name: P } & IntegerRange)[],
): Record<P, number> | undefined {
  const pairs = segment.split(',');
  if (pairs.length !== rules.length) return undefined;
  const params = {} as Record<P, number>;
  for (const [index, rule] of rules.entries()) {
    const pair = pairs[index]!;
    if (!pair.startsWith(`${rule.name}=`)) return undefined;
    const value = parseDecimal(pair.slice(rule.name.length + 1));
    if (value === undefined || value < rule.min || value > rule.max) return undefined;
    params[rule.name] = value;
  }
  return params;
}
