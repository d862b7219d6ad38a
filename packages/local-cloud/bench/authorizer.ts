/**
 * What authorization adds to a request: `Authorizers.authorize()` timed one call at a
 * time, over 10,000 calls each, after a warm-up (JWKS fetched, keys imported, JIT warm).
 *
 *   npx tsx packages/local-cloud/bench/authorizer.ts
 */
import os from 'node:os';
import { Authorizers, readMethodAuth, type AuthRequest, type MethodAuth } from '../src/apigateway/authorizers';
import {
  POOL_ID,
  arnFor,
  authorizerResource,
  authorizerUri,
  fakeInvoker,
  idClaims,
  methodResource,
  poolArn,
  policy,
  request,
  signToken,
  startUserPools,
} from '../test/support/authorizer-fixtures';
import { localStack } from '../test/support/local-stack';

const CALLS = 10_000;
const WARM_UP = 500;

async function time(name: string, engine: Authorizers, auth: MethodAuth, req: AuthRequest): Promise<string[]> {
  for (let i = 0; i < WARM_UP; i++) if (!(await engine.authorize(auth, req)).ok) throw new Error(`${name}: refused`);
  const samples = new Float64Array(CALLS);
  for (let i = 0; i < CALLS; i++) {
    const started = process.hrtime.bigint();
    await engine.authorize(auth, req);
    samples[i] = Number(process.hrtime.bigint() - started) / 1e3;
  }
  samples.sort();
  const at = (q: number) => samples[Math.min(CALLS - 1, Math.floor(q * CALLS))]!;
  const mean = samples.reduce((a, b) => a + b, 0) / CALLS;
  return [name, at(0.5).toFixed(1), at(0.99).toFixed(1), mean.toFixed(1), samples[CALLS - 1]!.toFixed(0)];
}

async function main(): Promise<void> {
  const pools = await startUserPools();
  try {
    const cognitoAuthorizer = authorizerResource('Pool', {
      Type: 'COGNITO_USER_POOLS',
      ProviderARNs: [poolArn(POOL_ID)],
      IdentitySource: 'method.request.header.Authorization',
    });
    const tokenAuthorizer = authorizerResource('Token', {
      Type: 'TOKEN',
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerUri: authorizerUri('fn'),
    });
    const cognitoMethod = methodResource('Cognito', {
      AuthorizationType: 'COGNITO_USER_POOLS',
      AuthorizerId: cognitoAuthorizer.physicalId,
    });
    const tokenMethod = methodResource('Lambda', { AuthorizationType: 'CUSTOM', AuthorizerId: tokenAuthorizer.physicalId });
    const stack = localStack([cognitoAuthorizer, tokenAuthorizer, cognitoMethod, tokenMethod]);
    const invoker = fakeInvoker(() => policy('Allow', arnFor('GET', '/users/*')));
    const engine = new Authorizers({ invoker, issuerBase: pools.base, stack });
    const everyTime = new Authorizers({ invoker, issuerBase: pools.base, stack, verifiedTokens: 0 });

    const now = Math.floor(Date.now() / 1000);
    const token = await signToken({
      issuer: `${pools.base}/${POOL_ID}`,
      claims: idClaims(),
      iat: now,
      expiresIn: 3600,
      key: pools.privateKey,
      kid: pools.kid,
    });
    const rows = [
      await time(
        'Cognito id token, RS256 checked (JWKS cached)',
        everyTime,
        readMethodAuth(stack, cognitoMethod),
        request({ headers: { Authorization: token } }),
      ),
      await time(
        'Cognito id token, token seen before',
        engine,
        readMethodAuth(stack, cognitoMethod),
        request({ headers: { Authorization: token } }),
      ),
      await time('Lambda TOKEN, result cached', engine, readMethodAuth(stack, tokenMethod), request({ headers: { Authorization: 'tok' } })),
      await time('NONE', engine, readMethodAuth(stack, methodResource('Open', { AuthorizationType: 'NONE' })), request()),
    ];
    const header = ['authorize()', 'p50 µs', 'p99 µs', 'mean µs', 'max µs'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
    console.log(`${CALLS} calls each, one at a time, after ${WARM_UP} warm-up calls (Node ${process.version})\n`);
    console.log(line(header));
    console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
    for (const row of rows) console.log(line(row));
    console.log(
      `\nJWKS requests served: ${pools.fetches.length}; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores (p99 and max measure the sharing)`,
    );
  } finally {
    await pools.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
