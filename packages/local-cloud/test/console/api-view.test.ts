/**
 * The console's API view and the `openapi` start option (`--openapi FILE`),
 * in headless Chromium (as console.test.ts) against local clouds that serve
 * no app: with a document, `/_console/openapi.json` serves the file as it
 * is now (a regenerated file shows without a restart), under the console's
 * Host check, and the page lists each operation with its method, path,
 * summary, security, request schema and responses; without one, the path is
 * a 404 and the view stays hidden; a missing or malformed file fails the start.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startLocalCloud, type LocalCloud } from '../../src/index';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const WAIT = { timeout: 20_000 };

/** A small OpenAPI 3.1 document of some app: two operations, a component, a shared response. */
const DOCUMENT = {
  openapi: '3.1.1',
  info: { title: 'Widgets API', version: '2.0.0' },
  paths: {
    '/widgets': {
      post: {
        summary: 'Make a widget',
        security: [{ token: ['widgets/write'], key: [] }],
        requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/NewWidget' } } } },
        responses: { 201: { description: 'Made.' }, 400: { $ref: '#/components/responses/Invalid' } },
      },
    },
    '/widgets/{id}': { get: { summary: 'One widget', security: [{ idToken: [] }], responses: { 200: { description: 'The widget.' } } } },
  },
  components: {
    schemas: { NewWidget: { type: 'object', properties: { colour: { type: 'string', enum: ['teal', 'plum'] } } } },
    responses: { Invalid: { description: 'Not a widget.' } },
  },
};

let dir: string;
let browser: Browser;
const clouds: LocalCloud[] = [];

async function start(openapi?: string): Promise<LocalCloud> {
  const cloud = await startLocalCloud({
    assemblyDir: null,
    stateDir: mkdtempSync(path.join(dir, 'state-')),
    apiPort: 0,
    edgePort: 0,
    log: () => undefined,
    ...(openapi ? { openapi } : {}),
  });
  clouds.push(cloud);
  return cloud;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`The console test needs Chromium at ${CHROMIUM}: run \`apt-get install -y chromium\` (.ci/run does).`);
  dir = mkdtempSync(path.join(tmpdir(), 'console-api-'));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  for (const cloud of clouds) await cloud.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('with an OpenAPI document', () => {
  let cloud: LocalCloud;
  let file: string;
  beforeAll(async () => {
    file = path.join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(DOCUMENT));
    cloud = await start(file);
  }, 60_000);

  it('serves the file as it is now at <edge>/_console/openapi.json, to the console host only', async () => {
    expect(cloud.openapiUrl).toBe(`${cloud.consoleUrl}/openapi.json`);
    const answer = await fetch(cloud.openapiUrl!);
    expect([answer.status, answer.headers.get('content-type')]).toEqual([200, 'application/json']);
    expect(await answer.json()).toEqual(DOCUMENT);

    writeFileSync(file, JSON.stringify({ ...DOCUMENT, info: { title: 'Widgets API', version: '2.1.0' } }));
    expect(((await (await fetch(cloud.openapiUrl!)).json()) as typeof DOCUMENT).info.version).toBe('2.1.0');
    writeFileSync(file, JSON.stringify(DOCUMENT));

    const port = Number(new URL(cloud.edgeUrl).port);
    expect(await statusOf(port, '/_console/openapi.json', `evil.example:${port}`)).toBe(403);
  });

  it('lists every operation: method, path, summary, security, request schema and responses', async () => {
    const page = await browser.newPage();
    await page.goto(cloud.consoleUrl);
    const view = page.locator('section#api');
    await view.getByRole('heading', { name: 'API' }).waitFor(WAIT);
    await page.getByRole('link', { name: 'API', exact: true }).waitFor(WAIT);
    await view.getByText('Widgets API 2.0.0 (OpenAPI 3.1.1)').waitFor(WAIT);

    const post = view.locator('tr[data-operation="POST /widgets"]');
    const cells = await post.getByRole('cell').allTextContents();
    expect(cells.slice(0, 4)).toEqual(['POST', '/widgets', 'Make a widget', 'token (widgets/write) + key']);
    await post.getByText('NewWidget', { exact: true }).click();
    await post.getByText('"plum"').waitFor(WAIT);
    await post.getByText('201, 400', { exact: true }).click();
    await post.getByText('201 Made.').waitFor(WAIT);
    await post.getByText('400 Not a widget.').waitFor(WAIT);

    const get = view.locator('tr[data-operation="GET /widgets/{id}"]');
    expect((await get.getByRole('cell').allTextContents()).slice(0, 5)).toEqual(['GET', '/widgets/{id}', 'One widget', 'idToken', 'none']);
    await page.close();
  });
});

describe('without one', () => {
  it('answers 404 at the path and keeps the view hidden', async () => {
    const cloud = await start();
    expect(cloud.openapiUrl).toBeUndefined();
    const answer = await fetch(`${cloud.consoleUrl}/openapi.json`);
    expect(answer.status).toBe(404);
    expect(((await answer.json()) as { message: string }).message).toMatch(/--openapi/);

    const page = await browser.newPage();
    await page.goto(cloud.consoleUrl);
    await page.locator('section#functions').waitFor(WAIT);
    await page.getByText(/^Live: updated/).waitFor(WAIT);
    expect(await page.locator('section#api').isHidden()).toBe(true);
    expect(await page.locator('#api-link').isHidden()).toBe(true);
    await page.close();
  }, 60_000);
});

it('refuses to start with a missing, non-JSON or non-OpenAPI file, naming the problem', async () => {
  const notJson = path.join(dir, 'not.json');
  writeFileSync(notJson, '{ "openapi": ');
  const notOpenApi = path.join(dir, 'other.json');
  writeFileSync(notOpenApi, JSON.stringify({ swagger: '2.0' }));
  await expect(start(path.join(dir, 'missing.json'))).rejects.toThrow(/--openapi .*missing\.json: cannot read .*ENOENT/);
  await expect(start(notJson)).rejects.toThrow(/not JSON/);
  await expect(start(notOpenApi)).rejects.toThrow(/not an OpenAPI document/);
}, 60_000);

/** The status of a GET to the edge with exactly this Host header (fetch may not set Host). */
function statusOf(port: number, pathname: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: pathname, headers: { host } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}
