import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Metafile } from './metafile.js';

/**
 * What figure 4 measures, built into a temporary directory: the route bundles exactly as `pnpm bundle` builds them
 * (`buildBundles` of packages/lambda-handlers/scripts/bundle.mjs), and the SDK-only baseline with the same esbuild
 * settings (`bundleOptions`).
 */

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bundleScript = join(repoRoot, 'packages', 'lambda-handlers', 'scripts', 'bundle.mjs');

/** What bench needs of bundle.mjs (plain JavaScript, so typed here). */
interface BundleScript {
  readonly ROUTES: readonly string[];
  bundleOptions(entry: string, outdir: string): Record<string, unknown>;
  buildBundles(options: {
    outRoot: string;
    routes?: readonly string[];
    metafile?: boolean;
  }): Promise<{ route: string; metafile?: Metafile }[]>;
}

export const BASELINE = 'SDK-only baseline';

const BASELINE_SOURCE = `// SDK-only baseline: a handler that only imports the Cognito client and creates it at module scope.
import { CognitoIdentityClient } from '@aws-sdk/client-cognito-identity';

const client = new CognitoIdentityClient({});

export const handler = async () => ({ statusCode: 200, body: typeof client.send });
`;

export interface Target {
  readonly name: string;
  readonly dir: string;
  readonly entry: string;
  readonly metafile: Metafile;
  readonly entryOutput: string;
}

/** bundle.mjs and esbuild, loaded when the bench runs. */
export async function loadBundler() {
  const script = (await import(pathToFileURL(bundleScript).href)) as BundleScript;
  const { build } = await import('esbuild');
  return { script, build };
}

export type Bundler = Awaited<ReturnType<typeof loadBundler>>;

/** Builds every route's bundle and the baseline under `tmp`. */
export async function buildTargets(
  { script, build }: Bundler,
  tmp: string,
): Promise<{ targets: Target[]; baseline: Target }> {
  const outRoot = join(tmp, 'handlers');
  const rows = await script.buildBundles({ outRoot, metafile: true });
  const targets: Target[] = rows.map((row) => {
    const dir = join(outRoot, row.route);
    return {
      name: row.route,
      dir,
      entry: join(dir, 'index.mjs'),
      metafile: row.metafile!,
      entryOutput: relative(process.cwd(), join(dir, 'index.mjs')).split(sep).join('/'),
    };
  });

  const baselineSource = join(tmp, 'baseline-src', 'handler.mjs');
  mkdirSync(dirname(baselineSource), { recursive: true });
  writeFileSync(baselineSource, BASELINE_SOURCE);
  const baselineDir = join(tmp, 'baseline');
  const baselineBuild = await build({
    ...script.bundleOptions(baselineSource, baselineDir),
    metafile: true,
  } as Parameters<typeof build>[0]);
  const baseline: Target = {
    name: BASELINE,
    dir: baselineDir,
    entry: join(baselineDir, 'index.mjs'),
    metafile: baselineBuild.metafile as unknown as Metafile,
    entryOutput: relative(process.cwd(), join(baselineDir, 'index.mjs')).split(sep).join('/'),
  };
  return { targets, baseline };
}
