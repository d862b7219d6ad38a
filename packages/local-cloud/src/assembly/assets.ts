/**
 * Where a function's code is in the cloud assembly. `cdk synth` run by the CDK
 * CLI marks each function with `aws:asset:path`; an app synthesised without the
 * CLI (tests, `app.synth()`) has no such metadata, and its template only names
 * the S3 object the code would be published to. The asset manifests
 * (`<stack>.assets.json`, artifacts of type `cdk:asset-manifest`) say which
 * assembly folder or file each object is published from: that is read here.
 *
 * Guarantees: an object key is mapped to its source only when a manifest of the
 * assembly says so (never guessed); an unreadable manifest maps nothing.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** One file asset: where its source is (absolute) and how it is packaged. */
export interface AssetSource {
  readonly path: string;
  /** `zip` (a folder zipped at publish time) or `file` (a file published as it is, e.g. a ready .zip). */
  readonly packaging: 'zip' | 'file';
}

interface AssetManifest {
  files?: Record<string, { source?: { path?: string; packaging?: string }; destinations?: Record<string, { objectKey?: string }> }>;
}

/** File assets of the assembly folder `assemblyDir`, by the S3 object key they are published to. */
export function fileAssets(assemblyDir: string): ReadonlyMap<string, AssetSource> {
  const dir = path.resolve(assemblyDir);
  const byKey = new Map<string, AssetSource>();
  const files = existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.assets.json')) : [];
  for (const name of files) {
    let manifest: AssetManifest;
    try {
      manifest = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as AssetManifest;
    } catch {
      continue; // not a manifest we can read: its functions are reported as having no code
    }
    for (const asset of Object.values(manifest.files ?? {})) {
      const sourcePath = asset.source?.path;
      if (typeof sourcePath !== 'string') continue;
      const source: AssetSource = {
        path: path.resolve(dir, sourcePath),
        packaging: asset.source?.packaging === 'file' ? 'file' : 'zip',
      };
      for (const destination of Object.values(asset.destinations ?? {})) {
        if (typeof destination.objectKey === 'string') byKey.set(destination.objectKey, source);
      }
    }
  }
  return byKey;
}

/** The assembly source of the S3 object `objectKey` (a function's `Code.S3Key`), if the assembly publishes it. */
export function assetForObjectKey(assemblyDir: string, objectKey: unknown): AssetSource | undefined {
  if (typeof objectKey !== 'string') return undefined;
  return fileAssets(assemblyDir).get(objectKey);
}
