/**
 * STS GetCallerIdentity at the edge, as LocalStack answers it (account 000000000000),
 * with the real SDK client (AWS Query) and the JSON form.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { startLocalCloud, type LocalCloud } from '../../src/cloud';

let cloud: LocalCloud;
const stateDir = mkdtempSync(path.join(tmpdir(), 'sts-'));

beforeAll(async () => {
  cloud = await startLocalCloud({ assemblyDir: null, edgePort: 0, apiPort: 0, stateDir, log: () => undefined });
});

afterAll(async () => {
  await cloud?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

it('answers GetCallerIdentity with the local account', async () => {
  const sts = new STSClient({ endpoint: cloud.edgeUrl });
  const identity = await sts.send(new GetCallerIdentityCommand({}));
  expect(identity).toMatchObject({ Account: '000000000000', Arn: 'arn:aws:iam::000000000000:root', UserId: 'AKIAIOSFODNN7EXAMPLE' });
  sts.destroy();
});

it('refuses the STS operations it does not emulate, in the Query shape', async () => {
  const response = await fetch(`${cloud.edgeUrl}/`, {
    method: 'POST',
    headers: {
      authorization: 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0',
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'Action=AssumeRole&Version=2011-06-15',
  });
  expect(response.status).toBe(400);
  expect(await response.text()).toContain('<Code>InvalidAction</Code>');
});
