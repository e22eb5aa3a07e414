import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { TemplateError } from './errors.js';

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

/** A synthesized stack as read from `cdk.out`: its template and where its assets are. */
export interface SynthesizedStack {
  /** From the file name (`<Stack>.template.json`). */
  readonly stackName: string;
  readonly templatePath: string;
  readonly resources: Readonly<Record<string, CfnResource>>;
  /** The directory of a file asset, by the S3 object key the template names (`<hash>.zip`). */
  assetDirectory(objectKey: string, where: string): string;
}

/** The largest template read (CloudFormation's own limit for a template in S3 is 1 MB; cdk.out may hold more). */
const MAX_TEMPLATE_BYTES = 16 * 1024 * 1024;

/**
 * Reads `<cdk.out>/<Stack>.template.json` and the asset manifest beside it (`<Stack>.assets.json`), which maps the
 * template's S3 keys back to the asset directories `cdk synth` staged.
 */
export function readSynthesizedStack(templatePath: string): SynthesizedStack {
  const path = resolve(templatePath);
  if (!existsSync(path)) throw new TemplateError(`No template at ${path} (run cdk synth first)`);
  const text = readFileSync(path);
  if (text.length > MAX_TEMPLATE_BYTES) throw new TemplateError(`${path}: larger than ${MAX_TEMPLATE_BYTES} bytes`);
  let template: unknown;
  try {
    template = JSON.parse(text.toString('utf8'));
  } catch (error) {
    throw new TemplateError(`${path}: not JSON (${(error as Error).message}); give the .template.json of cdk.out`);
  }
  const resources = (template as { Resources?: unknown } | null)?.Resources;
  if (resources === null || typeof resources !== 'object' || Array.isArray(resources)) {
    throw new TemplateError(`${path}: no Resources section: not a CloudFormation template`);
  }
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (typeof (resource as { Type?: unknown })?.Type !== 'string') {
      throw new TemplateError(`${path}: resource ${logicalId} has no Type`);
    }
  }
  const stackName = basename(path).replace(/\.template\.json$/, '');
  const outdir = dirname(path);
  const assets = readAssetManifest(join(outdir, `${stackName}.assets.json`));
  return {
    stackName,
    templatePath: path,
    resources: resources as Record<string, CfnResource>,
    assetDirectory(objectKey, where) {
      const hash = objectKey.replace(/\.zip$/, '');
      const dir = join(outdir, assets.get(objectKey) ?? `asset.${hash}`);
      if (!existsSync(dir)) {
        throw new TemplateError(
          `${where}: asset ${objectKey} is not in ${outdir} (synthesize again; a zip file asset is not supported)`,
        );
      }
      return dir;
    },
  };
}

/** objectKey -> source path of every directory asset of the manifest (missing manifest: none). */
function readAssetManifest(path: string): Map<string, string> {
  const assets = new Map<string, string>();
  if (!existsSync(path)) return assets;
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as {
    files?: Record<string, { source?: { path?: string }; destinations?: Record<string, { objectKey?: string }> }>;
  };
  for (const file of Object.values(manifest.files ?? {})) {
    const source = file.source?.path;
    if (!source) continue;
    for (const destination of Object.values(file.destinations ?? {})) {
      if (destination.objectKey) assets.set(destination.objectKey, source);
    }
  }
  return assets;
}

/** The resources of one type, as [logicalId, resource] pairs. */
export function resourcesOfType(stack: SynthesizedStack, type: string): Array<[string, CfnResource]> {
  return Object.entries(stack.resources).filter(([, resource]) => resource.Type === type);
}

/** The one resource of a type the runner needs exactly one of. */
export function onlyResource(stack: SynthesizedStack, types: readonly string[], what: string): [string, CfnResource] {
  const found = types.flatMap((type) => resourcesOfType(stack, type));
  if (found.length !== 1) {
    throw new TemplateError(
      `${stack.templatePath}: expected exactly one ${what} (${types.join(' or ')}), found ${found.length}` +
        (found.length ? `: ${found.map(([id]) => id).join(', ')}` : ''),
    );
  }
  return found[0]!;
}

/** The logical id a `Ref` / `Fn::GetAtt` (or a `Fn::Join` containing one) points at, if it is one of `ids`. */
export function referencedId(value: unknown, ids: ReadonlySet<string>): string | undefined {
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = referencedId(item, ids);
      if (found) return found;
    }
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.Ref === 'string' && ids.has(record.Ref)) return record.Ref;
  const getAtt = record['Fn::GetAtt'];
  const target = Array.isArray(getAtt) ? getAtt[0] : typeof getAtt === 'string' ? getAtt.split('.')[0] : undefined;
  if (typeof target === 'string' && ids.has(target)) return target;
  for (const item of Object.values(record)) {
    const found = referencedId(item, ids);
    if (found) return found;
  }
  return undefined;
}
