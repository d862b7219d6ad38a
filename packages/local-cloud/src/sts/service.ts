/**
 * STS GetCallerIdentity, as LocalStack answers it: account 000000000000, the root
 * user's ARN; in AWS Query (what the SDK v3 STS client and the AWS CLI send) and AWS
 * JSON 1.0. Every other STS operation is refused (`InvalidAction` / unknown operation).
 */
import { jsonProtocol } from '../protocol/json';
import { queryProtocol } from '../protocol/query';
import { LOCAL_ACCOUNT_ID, type EdgeHandler } from '../types';

const identity = () => ({
  UserId: 'AKIAIOSFODNN7EXAMPLE',
  Account: LOCAL_ACCOUNT_ID,
  Arn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:root`,
});

export function stsHandlers(): EdgeHandler[] {
  const operations = { GetCallerIdentity: identity };
  return [
    jsonProtocol({ version: '1.0', targetPrefix: 'AWSSecurityTokenServiceV20110615', namespace: 'com.amazonaws.sts', operations }),
    queryProtocol({ xmlNamespace: 'https://sts.amazonaws.com/doc/2011-06-15/', operations }),
  ];
}
