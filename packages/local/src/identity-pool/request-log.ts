/** One request the emulator answered. Bodies are never recorded: they carry Logins and tokens. */
export interface RequestLogEntry {
  /** The operation (from `X-Amz-Target`), or the path for non-API requests. */
  readonly operation: string;
  readonly statusCode: number;
  /** The exception name for error answers; `ConnectionReset` for an injected reset. */
  readonly errorType: string | undefined;
  /** Whether the request carried an Authorization header (SigV4-signed). */
  readonly signed: boolean;
  readonly at: Date;
}

/** Counts requests per operation, e.g. to assert how many attempts the SDK's retry strategy made. */
export class RequestLog {
  private readonly entries: RequestLogEntry[] = [];

  record(entry: RequestLogEntry): void {
    this.entries.push(entry);
  }

  /** Requests seen (for one operation, or all). */
  count(operation?: string): number {
    return operation === undefined ? this.entries.length : this.entries.filter((e) => e.operation === operation).length;
  }

  list(operation?: string): RequestLogEntry[] {
    return this.entries.filter((entry) => operation === undefined || entry.operation === operation);
  }

  clear(): void {
    this.entries.length = 0;
  }
}
