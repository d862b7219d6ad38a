import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';

/**
 * What the e2e suite runs against, from the environment only, so the same tests
 * run on the local cloud (set by global-setup.ts), LocalStack or a deployed stack:
 *
 *   E2E_API_URL        the REST API base URL (with the stage path on AWS)
 *   AWS_ENDPOINT_URL   the AWS endpoint (local cloud edge, LocalStack :4566); unset for AWS
 *   E2E_OUTPUTS        the stack outputs as JSON, or
 *   E2E_STACK_NAME     a stack whose outputs are read with DescribeStacks
 *   E2E_ADMIN_API_KEY  the admin API key value (routes that require one)
 */
export interface Target {
  readonly apiUrl: string;
  readonly outputs: Readonly<Record<string, string>>;
  readonly adminApiKey?: string;
}

let cached: Promise<Target> | undefined;

export function target(): Promise<Target> {
  return (cached ??= load());
}

async function load(): Promise<Target> {
  const apiUrl = process.env.E2E_API_URL;
  if (!apiUrl) throw new Error('E2E_API_URL is not set (global-setup sets it for the local cloud)');
  return { apiUrl: apiUrl.replace(/\/$/, ''), outputs: await outputs(), adminApiKey: process.env.E2E_ADMIN_API_KEY };
}

async function outputs(): Promise<Record<string, string>> {
  if (process.env.E2E_OUTPUTS) return JSON.parse(process.env.E2E_OUTPUTS) as Record<string, string>;
  const stackName = process.env.E2E_STACK_NAME;
  if (!stackName) throw new Error('Set E2E_OUTPUTS or E2E_STACK_NAME so the suite can find tables and queues');
  const { Stacks } = await new CloudFormationClient({}).send(new DescribeStacksCommand({ StackName: stackName }));
  return Object.fromEntries((Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey!, o.OutputValue!]));
}

export function output(all: Target['outputs'], key: string): string {
  const value = all[key];
  if (!value) throw new Error(`Stack output ${key} is missing`);
  return value;
}

/**
 * Calls the API; returns status, parsed JSON (when any) and headers. `as` signs
 * the request with a caller's id token (`Authorization`, as the storefront sends it).
 */
export async function api(
  method: string,
  path: string,
  options: { body?: unknown; rawBody?: string; headers?: Record<string, string>; as?: { readonly idToken: string } } = {},
) {
  const { apiUrl } = await target();
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const response = await fetch(`${apiUrl}${path}`, {
    method,
    body,
    headers: { 'content-type': 'application/json', ...(options.as ? { authorization: options.as.idToken } : {}), ...options.headers },
  });
  const text = await response.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text, headers: response.headers };
}

/**
 * Waits until `probe` returns a value (not undefined), polling; asynchronous
 * flows (EventBridge rules, streams) settle within seconds. Fails with `what`.
 */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
