/**
 * How every handler is bundled, in one place: used by ServiceFunction (through
 * the CDK's esbuild options) and by bench/bundle-size.ts (through esbuild's API),
 * so the benchmark measures exactly what is deployed.
 */
export const HANDLER_BUNDLING = {
  format: 'esm',
  target: 'node20',
  platform: 'node',
  minify: true,
  sourcemap: true,
  mainFields: ['module', 'main'],
  // Some dependencies still call `require`; ESM output needs it defined.
  banner: "import{createRequire as __cr}from'module';const require=__cr(import.meta.url);",
} as const;
