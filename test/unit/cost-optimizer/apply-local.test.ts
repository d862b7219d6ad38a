/**
 * `--apply` against a local cloud that is not there says why and what to do, rather
 * than a bare ECONNREFUSED (issue 16: "says clearly why when it does not").
 */
import { createServer } from 'node:net';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { Recommendation } from '#cost-domain/recommendation';
import { applyRecommendations } from '../../../cli/optimize/apply';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

it('names the endpoint and the fix when the local cloud is not running', async () => {
  const endpoint = `http://127.0.0.1:${await closedPort()}`;
  const lambda = new LambdaClient({
    endpoint,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const change = { functionName: 'fn', currentMemoryMb: 512, proposedMemoryMb: 256, change: 'decrease' } as Recommendation;
  const [applied] = await applyRecommendations(lambda, [change], undefined, endpoint);
  expect(applied).toEqual({
    functionName: 'fn',
    fromMb: 512,
    toMb: 256,
    ok: false,
    error: `cannot reach the Lambda API at ${endpoint} (AWS_ENDPOINT_URL): is the local cloud running (npm start)?`,
  });
  lambda.destroy();
});
