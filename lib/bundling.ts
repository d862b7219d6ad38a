/**
 * How every handler is bundled, in one place: used by ServiceFunction (through
 * the CDK's esbuild options), by bench/bundle-size.ts and by the local start
 * and dev loop (scripts/local/bundles.ts, through esbuild's API), so what the
 * benchmark measures and what the local cloud runs is exactly what is deployed.
 */
export const HANDLER_BUNDLING = {
  format: 'esm',
  target: 'node20',
  platform: 'node',
  minify: true,
  sourcemap: true,
  // The source map names the files; their text stays out of the bundle's zip.
  sourcesContent: false,
  mainFields: ['module', 'main'],
  // Some dependencies still call `require`; ESM output needs it defined.
  banner: "import{createRequire as __cr}from'module';const require=__cr(import.meta.url);",
  // Warnings and errors only: no per-bundle size lines in `cdk synth`.
  logLevel: 'warning',
} as const;

/** The subset of esbuild's `BuildOptions` the handlers use (lib/ does not import esbuild). */
export interface HandlerBuildOptions {
  bundle: true;
  format: typeof HANDLER_BUNDLING.format;
  target: typeof HANDLER_BUNDLING.target;
  platform: typeof HANDLER_BUNDLING.platform;
  minify: boolean;
  sourcemap: boolean;
  sourcesContent: boolean;
  mainFields: string[];
  banner: { js: string };
  external: string[];
  outExtension: { '.js': string };
  logLevel: 'silent';
}

/**
 * esbuild's own build options (its JavaScript API) for handlers: the same
 * options ServiceFunction gives CDK's NodejsFunction, which passes them to the
 * esbuild CLI. The caller adds `entryPoints` (named `<asset folder>/index`) and
 * `outdir`. Silent: the caller reports errors (esbuild's result carries them).
 */
export function handlerBuildOptions(): HandlerBuildOptions {
  return {
    bundle: true,
    format: HANDLER_BUNDLING.format,
    target: HANDLER_BUNDLING.target,
    platform: HANDLER_BUNDLING.platform,
    minify: HANDLER_BUNDLING.minify,
    sourcemap: HANDLER_BUNDLING.sourcemap,
    sourcesContent: HANDLER_BUNDLING.sourcesContent,
    mainFields: [...HANDLER_BUNDLING.mainFields],
    banner: { js: HANDLER_BUNDLING.banner },
    // Bundle the SDK too (ServiceFunction's `externalModules: []`).
    external: [],
    // `index.mjs`, as CDK's NodejsFunction names an ESM bundle.
    outExtension: { '.js': '.mjs' },
    logLevel: 'silent',
  };
}
