/**
 * The operation a call is, per protocol, as fault rules name it.
 */
import { operationOf, serviceNames } from '../../../src/chaos/operation';

const op = (
  service: string,
  method: string,
  url: string,
  extra: { target?: string; headers?: Record<string, string>; body?: string } = {},
) =>
  operationOf({
    method,
    url,
    service,
    target: extra.target,
    headers: extra.headers ?? {},
    body: extra.body === undefined ? undefined : Buffer.from(extra.body),
  });

it.each([
  ['dynamodb', 'DynamoDB_20120810.PutItem', 'PutItem'],
  ['dynamodb', 'DynamoDBStreams_20120810.GetRecords', 'GetRecords'],
  ['kinesis', 'Kinesis_20131202.PutRecords', 'PutRecords'],
  ['events', 'AWSEvents.PutEvents', 'PutEvents'],
  ['sqs', 'AmazonSQS.SendMessage', 'SendMessage'],
  ['cognito-idp', 'AWSCognitoIdentityProviderService.InitiateAuth', 'InitiateAuth'],
])('AWS JSON: %s %s is %s', (service, target, expected) => {
  expect(op(service, 'POST', '/', { target })).toBe(expected);
});

it('AWS Query: the Action of the form body or the query string', () => {
  expect(
    op('sqs', 'POST', '/', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=SendMessage&QueueUrl=x' }),
  ).toBe('SendMessage');
  expect(op('sts', 'GET', '/?Action=GetCallerIdentity&Version=2011-06-15')).toBe('GetCallerIdentity');
});

it.each([
  ['GET', '/', {}, 'ListBuckets'],
  ['PUT', '/bucket', {}, 'CreateBucket'],
  ['GET', '/bucket?list-type=2&prefix=a', {}, 'ListObjectsV2'],
  ['GET', '/bucket', {}, 'ListObjects'],
  ['PUT', '/bucket?versioning', {}, 'PutBucketVersioning'],
  ['POST', '/bucket?delete', {}, 'DeleteObjects'],
  ['PUT', '/bucket/raw/2026/01/01/a.json', {}, 'PutObject'],
  ['PUT', '/bucket/b', { 'x-amz-copy-source': '/bucket/a' }, 'CopyObject'],
  ['GET', '/bucket/a?x-id=GetObject', {}, 'GetObject'],
  ['HEAD', '/bucket/a', {}, 'HeadObject'],
  ['DELETE', '/bucket/a', {}, 'DeleteObject'],
  ['POST', '/bucket/a?uploads', {}, 'CreateMultipartUpload'],
  ['PUT', '/bucket/a?partNumber=1&uploadId=u', {}, 'UploadPart'],
  ['POST', '/bucket/a?uploadId=u', {}, 'CompleteMultipartUpload'],
])('S3 REST: %s %s is %s', (method, url, headers, expected) => {
  expect(op('s3', method, url, { headers })).toBe(expected);
});

it.each([
  ['POST', '/2015-03-31/functions/fn/invocations', 'Invoke'],
  ['GET', '/2015-03-31/functions/', 'ListFunctions'],
  ['GET', '/2015-03-31/functions/fn', 'GetFunction'],
  ['GET', '/2015-03-31/functions/fn/configuration', 'GetFunctionConfiguration'],
  ['PUT', '/2015-03-31/functions/fn/configuration', 'UpdateFunctionConfiguration'],
  ['POST', '/2015-03-31/functions/fn/versions', 'PublishVersion'],
  ['GET', '/2015-03-31/functions/fn/aliases/live', 'GetAlias'],
  ['POST', '/2014-11-13/functions/fn/invoke-async/', 'InvokeAsync'],
])('Lambda REST: %s %s is %s', (method, url, expected) => {
  expect(op('lambda', method, url)).toBe(expected);
});

it('knows the services by LocalStack’s names too', () => {
  expect(serviceNames('monitoring', undefined)).toEqual(['monitoring', 'cloudwatch']);
  expect(serviceNames('dynamodb', 'DynamoDBStreams_20120810.GetRecords')).toEqual(['dynamodb', 'dynamodbstreams']);
});
