/**
 * The AWS operation a call to the edge is, as a fault rule names it
 * (`PutItem`, `PutRecords`, `PutObject`, `Invoke`), per protocol: the
 * `X-Amz-Target` of AWS JSON (DynamoDB, Kinesis, EventBridge, SQS, Cognito),
 * the `Action` of AWS Query, and method + path (+ query) for the REST
 * services S3 and Lambda. Undefined when the call names none: only rules
 * without an `operation` match it then.
 */
import type { IncomingHttpHeaders } from 'node:http';

export interface CallLine {
  readonly method: string;
  /** Path and query, as received. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly service: string;
  readonly target?: string;
  /** The body when the edge has read it (AWS Query's `Action` may be there). */
  readonly body?: Buffer;
}

/** The names a service goes by in a rule: the SigV4 name, and LocalStack's where it differs. */
export function serviceNames(service: string, target: string | undefined): string[] {
  const names = [service.toLowerCase()];
  const alias = SERVICE_ALIASES[service];
  if (alias) names.push(alias);
  if (target?.startsWith('DynamoDBStreams_')) names.push('dynamodbstreams');
  return names;
}

const SERVICE_ALIASES: Readonly<Record<string, string>> = {
  monitoring: 'cloudwatch',
  'cognito-idp': 'cognito',
  'execute-api': 'apigateway',
};

export function operationOf(call: CallLine): string | undefined {
  if (call.target) {
    const dot = call.target.lastIndexOf('.');
    return dot >= 0 ? call.target.slice(dot + 1) : undefined;
  }
  const url = new URL(call.url, 'http://edge');
  const action = url.searchParams.get('Action') ?? formAction(call);
  if (action) return action;
  if (call.service === 's3') return s3Operation(call.method, url, call.headers);
  if (call.service === 'lambda') return lambdaOperation(call.method, url.pathname);
  return undefined;
}

function formAction(call: CallLine): string | undefined {
  const contentType = String(call.headers['content-type'] ?? '');
  if (!call.body || !contentType.includes('x-www-form-urlencoded')) return undefined;
  return new URLSearchParams(call.body.toString('utf8')).get('Action') ?? undefined;
}

/** S3's REST operations by method, path depth (bucket or object) and sub-resource. */
export function s3Operation(method: string, url: URL, headers: IncomingHttpHeaders): string | undefined {
  const parts = url.pathname.split('/').filter(Boolean);
  const q = url.searchParams;
  const has = (name: string) => q.has(name);
  const copy = headers['x-amz-copy-source'] !== undefined;
  if (parts.length === 0) return method === 'GET' ? 'ListBuckets' : undefined;
  if (parts.length === 1) {
    const sub = BUCKET_SUBRESOURCES.find((name) => has(name));
    switch (method) {
      case 'GET':
        if (sub) return `Get${BUCKET_SUBRESOURCE_NAMES[sub]}`;
        if (has('uploads')) return 'ListMultipartUploads';
        if (has('versions')) return 'ListObjectVersions';
        return q.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
      case 'PUT':
        return sub ? `Put${BUCKET_SUBRESOURCE_NAMES[sub]}` : 'CreateBucket';
      case 'DELETE':
        return sub ? `Delete${BUCKET_SUBRESOURCE_NAMES[sub]}` : 'DeleteBucket';
      case 'HEAD':
        return 'HeadBucket';
      case 'POST':
        return has('delete') ? 'DeleteObjects' : 'PostObject';
      default:
        return undefined;
    }
  }
  switch (method) {
    case 'GET':
      if (has('tagging')) return 'GetObjectTagging';
      if (has('acl')) return 'GetObjectAcl';
      if (has('uploadId')) return 'ListParts';
      return 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    case 'PUT':
      if (has('partNumber') && has('uploadId')) return copy ? 'UploadPartCopy' : 'UploadPart';
      if (has('tagging')) return 'PutObjectTagging';
      if (has('acl')) return 'PutObjectAcl';
      return copy ? 'CopyObject' : 'PutObject';
    case 'DELETE':
      if (has('uploadId')) return 'AbortMultipartUpload';
      if (has('tagging')) return 'DeleteObjectTagging';
      return 'DeleteObject';
    case 'POST':
      if (has('uploads')) return 'CreateMultipartUpload';
      if (has('uploadId')) return 'CompleteMultipartUpload';
      if (has('restore')) return 'RestoreObject';
      return undefined;
    default:
      return undefined;
  }
}

const BUCKET_SUBRESOURCE_NAMES: Readonly<Record<string, string>> = {
  versioning: 'BucketVersioning',
  location: 'BucketLocation',
  policy: 'BucketPolicy',
  cors: 'BucketCors',
  lifecycle: 'BucketLifecycleConfiguration',
  notification: 'BucketNotificationConfiguration',
  tagging: 'BucketTagging',
  encryption: 'BucketEncryption',
  acl: 'BucketAcl',
  website: 'BucketWebsite',
};
const BUCKET_SUBRESOURCES = Object.keys(BUCKET_SUBRESOURCE_NAMES);

/** Lambda's REST-JSON operations (API version 2015-03-31) by method and path. */
export function lambdaOperation(method: string, pathname: string): string | undefined {
  const p = pathname.replace(/\/+$/, '');
  if (/\/functions\/[^/]+\/invoke-async$/.test(p)) return 'InvokeAsync';
  const m = /^\/\d{4}-\d{2}-\d{2}\/functions(?:\/([^/]+)(?:\/([^/]+)(?:\/([^/]+))?)?)?$/.exec(p);
  if (!m) return undefined;
  const [, name, sub, subName] = m;
  if (!name) return method === 'GET' ? 'ListFunctions' : method === 'POST' ? 'CreateFunction' : undefined;
  if (!sub) return ({ GET: 'GetFunction', DELETE: 'DeleteFunction' } as Record<string, string>)[method];
  const bySub: Record<string, Record<string, string>> = {
    invocations: { POST: 'Invoke' },
    configuration: { GET: 'GetFunctionConfiguration', PUT: 'UpdateFunctionConfiguration' },
    code: { PUT: 'UpdateFunctionCode' },
    versions: { GET: 'ListVersionsByFunction', POST: 'PublishVersion' },
    aliases: subName ? { GET: 'GetAlias', PUT: 'UpdateAlias', DELETE: 'DeleteAlias' } : { GET: 'ListAliases', POST: 'CreateAlias' },
    policy: { GET: 'GetPolicy', POST: 'AddPermission' },
    concurrency: { PUT: 'PutFunctionConcurrency', DELETE: 'DeleteFunctionConcurrency' },
  };
  return bySub[sub]?.[method];
}
