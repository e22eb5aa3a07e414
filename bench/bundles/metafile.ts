/** What an esbuild metafile says about a bundle: which outputs an import loads, and whose code is in them. */

export interface Metafile {
  readonly outputs: Record<
    string,
    {
      readonly bytes: number;
      readonly entryPoint?: string;
      readonly imports: readonly { readonly path: string; readonly kind: string; readonly external?: boolean }[];
      readonly inputs: Record<string, { readonly bytesInOutput: number }>;
    }
  >;
}

/** Output files reachable from the entry through static imports (what `import` of the entry loads of the bundle). */
export function staticClosure(metafile: Metafile, entryOutput: string): Set<string> {
  const seen = new Set<string>([entryOutput]);
  const queue = [entryOutput];
  while (queue.length > 0) {
    const output = metafile.outputs[queue.pop()!];
    for (const imported of output?.imports ?? []) {
      if (imported.external || imported.kind !== 'import-statement' || seen.has(imported.path)) continue;
      seen.add(imported.path);
      queue.push(imported.path);
    }
  }
  return seen;
}

/** Which package (or workspace source folder) an esbuild input belongs to. */
function ownerOf(input: string): string {
  const module = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(input);
  if (module) return module[1]!;
  const workspace = /packages\/([^/]+)\/src/.exec(input);
  return workspace ? `@devauth/${workspace[1]} (source)` : input;
}

/** Bytes in the output per package, split into what the entry loads at import and what only dynamic imports load. */
export function breakdown(
  metafile: Metafile,
  entryOutput: string,
): { owner: string; atImport: number; dynamic: number }[] {
  const atImport = staticClosure(metafile, entryOutput);
  const rows = new Map<string, { owner: string; atImport: number; dynamic: number }>();
  for (const [path, output] of Object.entries(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const owner = ownerOf(input);
      const row = rows.get(owner) ?? { owner, atImport: 0, dynamic: 0 };
      if (atImport.has(path)) row.atImport += bytesInOutput;
      else row.dynamic += bytesInOutput;
      rows.set(owner, row);
    }
  }
  return [...rows.values()].sort((a, b) => b.atImport + b.dynamic - (a.atImport + a.dynamic));
}
