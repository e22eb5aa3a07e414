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
  const fields = readPhc(encoded, format);
  if (!fields) return undefined;
  const { id, version, params, saltText, hashText } = fields;
  return { id, version, params, salt: Buffer.from(saltText, 'base64'), hash: Buffer.from(hashText, 'base64') };
}

/**
 * The checks of {@link parsePhc} without decoding salt and hash: whether `encoded` is well formed, and its parameters.
 * An import checks every row's hash with it, so nothing is allocated for the bytes.
 */
export function checkPhc<P extends string>(
  encoded: string,
  format: PhcFormat<P>,
): Omit<PhcHash<P>, 'salt' | 'hash'> | undefined {
  const fields = readPhc(encoded, format);
  return fields && { id: fields.id, version: fields.version, params: fields.params };
}

function readPhc<P extends string>(
  encoded: string,
  format: PhcFormat<P>,
): (Omit<PhcHash<P>, 'salt' | 'hash'> & { readonly saltText: string; readonly hashText: string }) | undefined {
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
  if (phcBase64Length(saltText, format.saltBytes) === undefined) return undefined;
  if (phcBase64Length(hashText, format.hashBytes) === undefined) return undefined;
  return { id, version, params, saltText, hashText };
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
const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * The number of bytes `text` spells in PHC base64 when that lies in `bytes` and `text` is its one canonical
 * spelling; `undefined` otherwise. Canonical, without padding: the alphabet only, a length that is not 1 mod 4, and
 * the bits of the last character that no byte uses all zero (`QQ` is the one spelling of 0x41, `QR` is refused).
 * That is exactly "decodes and re-encodes to itself", decided without decoding.
 */
export function phcBase64Length(text: string, bytes: IntegerRange): number | undefined {
  const tail = text.length % 4;
  if (text.length > Math.ceil((bytes.max * 4) / 3) || tail === 1 || !PHC_BASE64.test(text)) return undefined;
  const length = Math.floor((text.length * 3) / 4);
  if (length < bytes.min || length > bytes.max) return undefined;
  if (tail !== 0) {
    // 2 characters carry 1 byte (4 bits spare), 3 carry 2 bytes (2 bits spare).
    const spareBits = tail === 2 ? 0b1111 : 0b11;
    if ((BASE64_ALPHABET.indexOf(text[text.length - 1]!) & spareBits) !== 0) return undefined;
  }
  return length;
}

/**
 * Decodes PHC base64 whose decoded length lies in `bytes`; `undefined` otherwise. Node's own decoder is lenient
 * (it skips unknown characters and accepts the URL-safe alphabet), so the text is checked first
 * ({@link phcBase64Length}): exactly one spelling of each byte string is accepted.
 */
export function decodePhcBase64(text: string, bytes: IntegerRange): Buffer | undefined {
  return phcBase64Length(text, bytes) === undefined ? undefined : Buffer.from(text, 'base64');
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
  for (let index = 0; index < rules.length; index++) {
    const rule = rules[index]!;
    const pair = pairs[index]!;
    if (!pair.startsWith(rule.name) || pair[rule.name.length] !== '=') return undefined;
    const value = parseDecimal(pair.slice(rule.name.length + 1));
    if (value === undefined || value < rule.min || value > rule.max) return undefined;
    params[rule.name] = value;
  }
  return params;
}
