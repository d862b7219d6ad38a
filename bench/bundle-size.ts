/**
 * Bundle size and import (cold-start init) time of every handler, built three ways:
 *   deployed  — exactly as ServiceFunction bundles it (ESM, minified, tree-shaken);
 *   naive     — CommonJS, unminified, no tree-shaking hints (what a quick setup ships);
 *   SDK only  — a bundle that only creates the AWS SDK clients the handler uses:
 *               the floor any handler using those clients pays.
 * Plus the deployed bundle with the Powertools Tracer added, to price that choice.
 *
 *   npm run bench:bundle
 */
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { HANDLER_BUNDLING } from '../lib/bundling';
import { importTimeMs, printTable, progress, runBench } from './support';

const ROOT = path.join(__dirname, '..');
const OUT = mkdtempSync(path.join(tmpdir(), 'bench-bundle-'));
const ENV = {
  USERS_TABLE: 't',
  NOTIFICATIONS_TABLE: 't',
  ORDERS_TABLE: 't',
  ORDERS_BY_CUSTOMER_INDEX: 'i',
  ROUTE_ACCESS: 'customer',
  INVENTORY_TABLE: 't',
  PAYMENTS_TABLE: 't',
  EVENT_BUS_NAME: 'b',
  RAW_BUCKET: 'b',
  ANALYTICS_STREAM: 's',
  STATS_TABLE: 't',
  ENGAGEMENT_TABLE: 't',
  IDEMPOTENCY_TABLE: 't',
  REPORTS_BUCKET: 'b',
  AWS_REGION: 'us-east-1',
  POWERTOOLS_SERVICE_NAME: 'bench',
  HIGH_ENGAGEMENT_THRESHOLD: '100',
};

/** Every handler file: lambda/<context>/<name>.ts exporting `handler`. */
function handlerEntries(): string[] {
  const lambdaDir = path.join(ROOT, 'lambda');
  return readdirSync(lambdaDir)
    .filter((context) => !['shared', 'domain'].includes(context))
    .flatMap((context) =>
      readdirSync(path.join(lambdaDir, context))
        .filter((file) => file.endsWith('.ts'))
        .map((file) => path.join(lambdaDir, context, file)),
    )
    .filter((file) => /export const handler\b/.test(readFileSync(file, 'utf8')))
    .sort();
}

const deployed: BuildOptions = {
  ...HANDLER_BUNDLING,
  mainFields: [...HANDLER_BUNDLING.mainFields],
  banner: { js: HANDLER_BUNDLING.banner },
  bundle: true,
};
const naive: BuildOptions = { bundle: true, platform: 'node', target: 'node20', format: 'cjs' };

async function bundle(name: string, options: BuildOptions): Promise<{ file: string; bytes: number; metafile: Metafile }> {
  const ext = options.format === 'cjs' ? 'cjs' : 'mjs';
  const outfile = path.join(OUT, `${name}.${ext}`);
  const result = await build({ ...options, outfile, metafile: true, logLevel: 'silent' });
  return { file: outfile, bytes: statSync(outfile).size, metafile: result.metafile };
}

/** The SDK client packages a bundle pulled in, and an entry that only creates those clients. */
function sdkOnlyEntry(metafile: Metafile): string {
  const packages = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /node_modules\/(@aws-sdk\/(?:client-[a-z0-9-]+|lib-dynamodb))\//.exec(input);
    if (match) packages.add(match[1]!);
  }
  const lines = [...packages].sort().map((pkg, i) => {
    const exported = Object.keys(require(pkg)).find((key) => /^[A-Z]\w*Client$/.test(key) && !key.startsWith('DynamoDBDocument'));
    return pkg === '@aws-sdk/lib-dynamodb'
      ? `import { DynamoDBDocumentClient as D${i} } from '${pkg}'; globalThis.k${i} = D${i};`
      : `import { ${exported} as C${i} } from '${pkg}'; globalThis.k${i} = new C${i}({});`;
  });
  return lines.join('\n') || 'export {};';
}

const kb = (bytes: number) => (bytes / 1024).toFixed(0);

async function main() {
  const rows: (string | number)[][] = [];
  const entries = handlerEntries();
  for (const [index, entry] of entries.entries()) {
    const name = path.relative(path.join(ROOT, 'lambda'), entry).replace(/\.ts$/, '');
    progress(`[${index + 1}/${entries.length}] ${name}`);
    const slug = name.replace(/\//g, '__');
    const small = await bundle(`${slug}.deployed`, { ...deployed, entryPoints: [entry] });
    const big = await bundle(`${slug}.naive`, { ...naive, entryPoints: [entry] });
    const sdk = await bundle(`${slug}.sdk`, {
      ...deployed,
      stdin: { contents: sdkOnlyEntry(small.metafile), resolveDir: ROOT, loader: 'ts' },
    });
    const traced = await bundle(`${slug}.tracer`, {
      ...deployed,
      stdin: {
        contents: `export * from ${JSON.stringify(entry)};\nimport { Tracer } from '@aws-lambda-powertools/tracer';\nglobalThis.tracer = new Tracer();`,
        resolveDir: ROOT,
        loader: 'ts',
      },
    });
    const [tDeployed, tNaive, tSdk, tTraced] = [small, big, sdk, traced].map((b) => importTimeMs(b.file, ENV));
    rows.push([
      name,
      kb(small.bytes),
      tDeployed!.toFixed(1),
      kb(big.bytes),
      tNaive!.toFixed(1),
      kb(sdk.bytes),
      tSdk!.toFixed(1),
      (tDeployed! / tSdk!).toFixed(2),
      `${kb(traced.bytes)} / ${tTraced!.toFixed(1)}`,
      small.bytes <= 500 * 1024 && tDeployed! <= 1.5 * tSdk! ? 'yes' : 'NO',
    ]);
  }
  printTable(
    [
      'handler',
      'deployed KB',
      'import ms',
      'naive CJS KB',
      'naive import ms',
      'SDK-only KB',
      'SDK-only import ms',
      'import / SDK-only',
      '+Tracer KB / ms',
      'within budget',
    ],
    rows,
  );
  console.log(
    `\nImport time: median of 7 fresh \`node\` processes, ${process.version}, ${process.arch}. Budget: ≤ 500 KB and ≤ 1.5x the SDK-only import.`,
  );
}

runBench(main);
