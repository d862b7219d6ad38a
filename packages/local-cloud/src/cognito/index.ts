/**
 * The local Cognito user pools (service `cognito-idp`): the public entry of
 * this folder. service.ts says what it guarantees; README.md here says what
 * the edge, the assembly and startLocalCloud must do to wire it in.
 */
export { CognitoService, PUBLIC_OPERATIONS, isCognitoPreflight, isUnsignedCognitoCall } from './service';
export type { CognitoServiceOptions, DeliveredMessage } from './service';
export { CognitoError } from './errors';
export { COGNITO_TARGET_PREFIX } from './model';
export { OAUTH_PATH } from './oauth';
export type { Jwks } from './keys';
export {
  cognitoDomainUrl,
  cognitoIssuer,
  localizeCognitoDomains,
  userPoolDomainIdentity,
  userPoolResourceServerIdentity,
  cognitoJwksUrl,
  poolIdFromArn,
  regionOfPoolId,
  userPoolClientIdentity,
  userPoolGroupIdentity,
  userPoolIdentity,
} from './identity';
export type { CognitoIdentity, CognitoNaming } from './identity';
export { CognitoTokenError, remoteJwks, verifyCognitoToken } from './verify';
export type { CognitoTokenClaims, VerifyCognitoTokenOptions } from './verify';
export { CLIENT_ID_NOT_APPLICABLE } from './triggers';
