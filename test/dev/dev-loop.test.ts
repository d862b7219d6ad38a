/**
 * The dev loop end to end (`npm run dev` = scripts/dev.ts --watch), on a small
 * app in a temporary project (test/dev/dev-app.ts): a handler's source change
 * is served by the next request; a broken build is reported and the last good
 * code keeps serving until the source is fixed; a route added in lib/ appears after the re-synth, and an
 * item written before is still in its table.
 */
import { createDevApp, startDev, StopWaiting, waitFor, type DevApp, type DevProcess } from './dev-app';

jest.setTimeout(180_000);

let app: DevApp;
let dev: DevProcess;

beforeAll(async () => {
  app = createDevApp();
  dev = startDev(app.dir);
  const up = () => {
    if (dev.exited()) throw new StopWaiting('the dev loop exited');
    return dev.output().includes('watching') ? true : undefined;
  };
  await waitFor('the dev loop to be up', up, 150_000).catch((error) => {
    throw new Error(`${(error as Error).message}\n${dev.output()}`);
  });
});

afterAll(async () => {
  await dev?.stop();
  app?.remove();
});

const api = () => dev.apiUrl()!;

async function message(): Promise<string | undefined> {
  const response = await fetch(`${api()}/hello`);
  return response.status === 200 ? ((await response.json()) as { message: string }).message : undefined;
}

test('a handler change is served by the next request; a broken build keeps the last good code; a route added in lib/ appears and the table keeps its items', async () => {
  expect(await waitFor('GET /hello', message, 30_000)).toBe('hello v1');
  const put = await fetch(`${api()}/items`, { method: 'POST', body: JSON.stringify({ id: 'a', text: 'written before the reload' }) });
  expect(put.status).toBe(201);

  app.setMessage('hello v2');
  await waitFor('the new message', async () => ((await message()) === 'hello v2' ? true : undefined), 30_000);
  expect(dev.output()).toMatch(/\[dev\] rebuilt 1 bundle\(s\) in \d+ ms: lambda\/hello\/hello\.ts/);

  app.breakMessage();
  await waitFor(
    'the build error',
    () => (/\[dev\] build failed for lambda\/hello\/hello\.ts/.test(dev.output()) ? true : undefined),
    30_000,
  );
  expect(dev.output()).toMatch(/message\.ts:1:\d+: Unterminated string literal/);
  expect(await message()).toBe('hello v2');

  app.setMessage('hello v3');
  await waitFor('the fixed message', async () => ((await message()) === 'hello v3' ? true : undefined), 30_000);

  const before = await fetch(`${api()}/items/a`);
  expect(before.status).not.toBe(200); // no such route yet
  app.addGetItemRoute();
  const item = await waitFor(
    'GET /items/{id}',
    async () => {
      const response = await fetch(`${api()}/items/a`);
      return response.status === 200 ? ((await response.json()) as { text: string }) : undefined;
    },
    120_000,
  );
  expect(item.text).toBe('written before the reload');
  expect(dev.output()).toMatch(/\[dev\] reloaded in [\d.]+ s: \+\d+ added/);
  expect(await message()).toBe('hello v3');
});
