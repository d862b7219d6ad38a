/**
 * Which service a call to the edge is for: the SigV4 credential scope's, or
 * for an unsigned call its `X-Amz-Target`'s; and which calls are the edge's own
 * control endpoints (`/_local/...`).
 */
import type { IncomingMessage } from 'node:http';

/** Services of unsigned calls that carry an `X-Amz-Target`. */
const TARGET_PREFIXES: ReadonlyArray<readonly [string, string]> = [
  ['DynamoDBStreams_', 'dynamodb'],
  ['DynamoDB_', 'dynamodb'],
  ['Kinesis_', 'kinesis'],
  ['AWSEvents', 'events'],
  ['AmazonSQS', 'sqs'],
  ['AWSCognitoIdentityProviderService.', 'cognito-idp'],
];

const SCOPE = /Credential=[^/\s,]+\/\d{8}\/([^/\s,]+)\/([^/\s,]+)\/aws4_request/;

export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Region and service of the SigV4 credential scope, from the header or a presigned URL. */
export function credentialScope(req: IncomingMessage): { region: string; service: string } | undefined {
  const authorization = req.headers.authorization;
  if (authorization) {
    const m = SCOPE.exec(authorization);
    if (m) return { region: m[1], service: m[2] };
  }
  const url = req.url ?? '';
  const at = url.indexOf('X-Amz-Credential=');
  if (at < 0) return undefined;
  const end = url.indexOf('&', at);
  let credential: string;
  try {
    credential = decodeURIComponent(url.slice(at + 'X-Amz-Credential='.length, end < 0 ? undefined : end));
  } catch {
    return undefined;
  }
  const parts = credential.split('/');
  return parts.length >= 5 ? { region: parts[2], service: parts[3] } : undefined;
}

/** The access key id that signed the call (the SigV4 credential's first part), if signed. */
export function accessKeyOf(req: IncomingMessage): string | undefined {
  const authorization = req.headers.authorization;
  const m = authorization ? /Credential=([^/\s,]+)\//.exec(authorization) : null;
  return m ? m[1] : undefined;
}

/** `/_local` and everything under it: the local cloud's control endpoints (never an S3 bucket: names cannot start with `_`). */
export function isControlPath(url: string | undefined): boolean {
  return url !== undefined && (url === '/_local' || url.startsWith('/_local/') || url.startsWith('/_local?'));
}

export function serviceOfTarget(target: string | undefined): string | undefined {
  if (!target) return undefined;
  for (const [prefix, service] of TARGET_PREFIXES) if (target.startsWith(prefix)) return service;
  return undefined;
}
