/**
 * The local names of Cognito resources, for the assembly (`src/assembly.ts`)
 * to give `AWS::Cognito::UserPool`, `UserPoolClient` and `UserPoolGroup`
 * resources the physical ids and attributes they have on AWS, deterministically
 * (same template, same ids: a data dir keeps matching its pools), and for
 * token verifiers to find a pool's issuer and JWKS.
 */
import { createHash } from 'node:crypto';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

function hashId(parts: readonly string[], length: number, alphabet: string): string {
  const digest = createHash('sha256').update(parts.join('\0')).digest();
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[digest[i % digest.length] % alphabet.length];
  return out;
}

/** `<issuerBase>/<poolId>`: the `iss` of the pool's tokens (the edge URL as base, as LocalStack does). */
export function cognitoIssuer(issuerBase: string, poolId: string): string {
  return `${issuerBase.replace(/\/+$/, '')}/${poolId}`;
}

/** `<issuer>/.well-known/jwks.json`: where `createRemoteJWKSet` finds the pool's keys. */
export function cognitoJwksUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/jwks.json`;
}

/** The pool id of a user pool ARN (`arn:aws:cognito-idp:<region>:<account>:userpool/<poolId>`), as an authorizer's ProviderARNs give it. */
export function poolIdFromArn(arn: string): string | undefined {
  const m = /^arn:aws[\w-]*:cognito-idp:[^:]*:[^:]*:userpool\/(.+)$/.exec(arn);
  return m?.[1];
}

/** The region a pool id names (`us-east-1_AbC` -> `us-east-1`), as the SDKs and amplify read it. */
export function regionOfPoolId(poolId: string): string | undefined {
  const at = poolId.indexOf('_');
  return at > 0 ? poolId.slice(0, at) : undefined;
}

export interface CognitoNaming {
  readonly region: string;
  readonly accountId: string;
  readonly stackName: string;
  readonly logicalId: string;
  /** Base URL of the edge endpoint (the issuer base of every pool). */
  readonly edgeUrl: string;
}

export interface CognitoIdentity {
  /** What `Ref` returns. */
  readonly physicalId: string;
  /** What `Fn::GetAtt` returns, by attribute name. */
  readonly attributes: Record<string, string>;
}

/**
 * `AWS::Cognito::UserPool`: `Ref` is the pool id (`<region>_<9 alphanumerics>`);
 * `Arn`, `ProviderName` (`cognito-idp.<region>.amazonaws.com/<poolId>` on AWS),
 * `ProviderURL` and `UserPoolId`. Locally `ProviderURL` is the issuer of the
 * pool's tokens on the edge (`<edgeUrl>/<poolId>`), so that whatever the stack
 * gives a verifier (an env var `Fn::GetAtt Pool.ProviderURL`) verifies local tokens.
 */
export function userPoolIdentity(n: CognitoNaming): CognitoIdentity {
  const poolId = `${n.region}_${hashId([n.stackName, n.logicalId], 9, ALNUM)}`;
  return {
    physicalId: poolId,
    attributes: {
      Arn: `arn:aws:cognito-idp:${n.region}:${n.accountId}:userpool/${poolId}`,
      ProviderName: `cognito-idp.${n.region}.amazonaws.com/${poolId}`,
      ProviderURL: cognitoIssuer(n.edgeUrl, poolId),
      UserPoolId: poolId,
    },
  };
}

/**
 * `AWS::Cognito::UserPoolClient`: `Ref` is the client id (26 lower-case
 * alphanumerics); `ClientId`, `Name` and `ClientSecret` (present even when the
 * client generates none, as a deterministic value the local Cognito checks
 * `SecretHash` against when `GenerateSecret` is true).
 */
export function userPoolClientIdentity(n: CognitoNaming, clientName?: string): CognitoIdentity {
  const clientId = hashId([n.stackName, n.logicalId], 26, LOWER_ALNUM);
  return {
    physicalId: clientId,
    attributes: {
      ClientId: clientId,
      Name: clientName ?? n.logicalId,
      ClientSecret: hashId([n.stackName, n.logicalId, 'secret'], 51, LOWER_ALNUM),
    },
  };
}

/** `AWS::Cognito::UserPoolGroup`: `Ref` is the group name (its `GroupName`, else `<StackName>-<LogicalId>`). */
export function userPoolGroupIdentity(n: CognitoNaming, groupName?: string): CognitoIdentity {
  return { physicalId: groupName ?? `${n.stackName}-${n.logicalId}`.slice(0, 128), attributes: {} };
}

/**
 * `AWS::Cognito::UserPoolResourceServer`: `Ref` is its `Identifier` (the
 * prefix of its scopes, `commerce` in `commerce/activity.write`).
 */
export function userPoolResourceServerIdentity(n: CognitoNaming, identifier?: string): CognitoIdentity {
  return { physicalId: identifier ?? n.logicalId, attributes: {} };
}

/**
 * `AWS::Cognito::UserPoolDomain`: `Ref` is the domain (the prefix of a Cognito
 * domain, or the custom domain name), as on AWS; `CloudFrontDistribution` a
 * stable fake. Locally the domain's base URL is `cognitoDomainUrl(edgeUrl, domain)`,
 * and the assembly rewrites what the stack builds from `Ref` into it
 * (`localizeCognitoDomains`).
 */
export function userPoolDomainIdentity(n: CognitoNaming, domain?: string): CognitoIdentity {
  const name = domain ?? `${n.stackName}-${n.logicalId}`.toLowerCase();
  return {
    physicalId: name,
    attributes: { CloudFrontDistribution: `${hashId([n.stackName, n.logicalId], 14, LOWER_ALNUM)}.cloudfront.net` },
  };
}

/** `<edgeUrl>/_cognito/<domain>`: where a pool domain's endpoints live locally (its token endpoint is `/oauth2/token` under it). */
export function cognitoDomainUrl(edgeUrl: string, domain: string): string {
  return `${edgeUrl.replace(/\/+$/, '')}/_cognito/${encodeURIComponent(domain)}`;
}

/**
 * Rewrites the AWS base URLs of the given pool domains in a resolved string
 * (`https://<prefix>.auth.<region>.amazoncognito.com`, and `https://<custom domain>`)
 * to their local base URLs, so that an output or environment variable built
 * from the domain (`${domain.baseUrl()}/oauth2/token`) points at the edge.
 */
export function localizeCognitoDomains(value: string, edgeUrl: string, domains: readonly string[]): string {
  let out = value;
  for (const domain of domains) {
    const escaped = domain.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const host = domain.includes('.') ? escaped : `${escaped}\\.auth\\.[a-z0-9-]+\\.amazoncognito\\.com`;
    out = out.replace(new RegExp(`https://${host}(?![\\w.-])`, 'g'), cognitoDomainUrl(edgeUrl, domain));
  }
  return out;
}
