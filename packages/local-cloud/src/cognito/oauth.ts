/**
 * The OAuth2 token endpoint of a pool domain, for the `client_credentials`
 * grant of machine clients: `POST <domain>/oauth2/token`, a form body
 * (`grant_type=client_credentials&scope=...`), the client authenticated by
 * HTTP Basic (`client_id:client_secret`) or by `client_id` / `client_secret`
 * in the body. Locally a domain lives on the edge at
 * `<edgeUrl>/_cognito/<domain>` (see `CognitoService.domainUrl`). Errors are
 * the endpoint's own: `{"error":"invalid_client"}` and friends, not AWS JSON.
 */
import type { EdgeRequest, EdgeResponse } from '../types';
import { headerValue } from './model';

/** `/_cognito/<domain>/oauth2/token`; the domain is the prefix (or custom domain name) the template's `UserPoolDomain` gives. */
export const OAUTH_PATH = /^\/_cognito\/([^/]+)\/oauth2\/token$/;

/** A client's token request, as the endpoint read it. */
export interface ClientCredentialsGrant {
  readonly clientId: string;
  /** The secret sent (Basic or body); undefined when none was. */
  readonly clientSecret: string | undefined;
  /** Whether the client authenticated with HTTP Basic (a failure is then 401, as RFC 6749 asks). */
  readonly basic: boolean;
  /** Scopes asked for (`scope`, space-separated); empty: every scope the client is allowed. */
  readonly scopes: readonly string[];
}

/** The token endpoint's answer to a grant, or its error code. */
export type GrantOutcome =
  | { readonly ok: true; readonly accessToken: string; readonly expiresIn: number }
  | { readonly ok: false; readonly error: OAuthErrorCode; readonly status?: number };

export type OAuthErrorCode =
  'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client' | 'unsupported_grant_type' | 'invalid_scope';

const JSON_HEADERS = { 'content-type': 'application/json;charset=UTF-8', 'cache-control': 'no-store', pragma: 'no-cache' };

function oauthError(error: OAuthErrorCode, status = 400, extra: Record<string, string> = {}): EdgeResponse {
  return { status, headers: { ...JSON_HEADERS, ...extra }, body: JSON.stringify({ error }) };
}

/** Serves one call to the token endpoint; `grant` checks the client and issues the token. */
export async function serveOAuthToken(
  request: EdgeRequest,
  grant: (request: ClientCredentialsGrant) => Promise<GrantOutcome> | GrantOutcome,
): Promise<EdgeResponse> {
  if (request.method !== 'POST') return { ...oauthError('invalid_request', 405), headers: { ...JSON_HEADERS, allow: 'POST' } };
  const contentType = headerValue(request.headers['content-type'])?.split(';')[0].trim().toLowerCase();
  if (contentType !== 'application/x-www-form-urlencoded') return oauthError('invalid_request');
  const form = new URLSearchParams(request.body.toString('utf8'));
  const basic = basicCredentials(headerValue(request.headers.authorization));
  if (basic === null) return oauthError('invalid_client', 401, { 'www-authenticate': 'Basic' });
  const clientId = basic?.id ?? form.get('client_id') ?? undefined;
  const clientSecret = basic?.secret ?? form.get('client_secret') ?? undefined;
  const grantType = form.get('grant_type');
  if (!grantType) return oauthError('invalid_request');
  if (!clientId) return oauthError('invalid_client', basic ? 401 : 400);
  if (grantType !== 'client_credentials') {
    // authorization_code and refresh_token need the hosted UI's sign-in: not emulated.
    return oauthError('unsupported_grant_type');
  }
  const scopes = (form.get('scope') ?? '').split(/\s+/).filter(Boolean);
  const outcome = await grant({ clientId, clientSecret, basic: basic !== undefined, scopes });
  if (!outcome.ok) {
    const status = outcome.status ?? (outcome.error === 'invalid_client' && basic ? 401 : 400);
    return oauthError(outcome.error, status);
  }
  return {
    status: 200,
    headers: JSON_HEADERS,
    body: JSON.stringify({ access_token: outcome.accessToken, expires_in: outcome.expiresIn, token_type: 'Bearer' }),
  };
}

/** `Basic base64(id:secret)`: the credentials, undefined when there is no Basic header, null when it is malformed. */
function basicCredentials(authorization: string | undefined): { id: string; secret: string } | undefined | null {
  if (!authorization || !/^basic\s/i.test(authorization)) return undefined;
  const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  const unescape = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      return s;
    }
  };
  return { id: unescape(decoded.slice(0, colon)), secret: unescape(decoded.slice(colon + 1)) };
}
