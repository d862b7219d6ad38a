/**
 * What the template asks of Cognito (and of WAF in front of it) that the local
 * cloud does not do, one line each for the start-up listing: never served as
 * if it were honoured.
 */
import type { LocalStack } from '../types';

export interface CognitoFeatureNote {
  readonly logicalId: string;
  readonly type: string;
  readonly feature: string;
  readonly detail: string;
}

export function cognitoNotEmulated(stack: LocalStack): CognitoFeatureNote[] {
  const notes: CognitoFeatureNote[] = [];
  const note = (r: { logicalId: string; type: string }, feature: string, detail: string) =>
    notes.push({ logicalId: r.logicalId, type: r.type, feature, detail });
  for (const pool of stack.byType('AWS::Cognito::UserPool')) {
    const p = pool.properties;
    const mfa = String(p.MfaConfiguration ?? 'OFF');
    if (mfa !== 'OFF') {
      const enabled = Array.isArray(p.EnabledMfas) ? ` (${p.EnabledMfas.join(', ')})` : '';
      note(
        pool,
        `MfaConfiguration ${mfa}${enabled}`,
        'MFA is not emulated: no MFA setup or SMS_MFA / SOFTWARE_TOKEN_MFA challenge; sign-in never asks for a second factor',
      );
    }
    const addOns = p.UserPoolAddOns as { AdvancedSecurityMode?: string } | undefined;
    if (addOns?.AdvancedSecurityMode && addOns.AdvancedSecurityMode !== 'OFF') {
      note(
        pool,
        `UserPoolAddOns.AdvancedSecurityMode ${addOns.AdvancedSecurityMode}`,
        'threat protection is not emulated: no risk scoring, compromised-credential checks or adaptive authentication',
      );
    }
    if (p.UserPoolTier !== undefined && p.UserPoolTier !== 'ESSENTIALS' && p.UserPoolTier !== 'LITE')
      note(pool, `UserPoolTier ${String(p.UserPoolTier)}`, 'tier features are not emulated');
    if (p.EmailConfiguration !== undefined || p.SmsConfiguration !== undefined) {
      note(pool, 'EmailConfiguration / SmsConfiguration', 'nothing is sent: codes and temporary passwords are logged ([cognito] lines)');
    }
    const triggers = (p.LambdaConfig ?? {}) as Record<string, unknown>;
    for (const name of [
      'CustomMessage',
      'DefineAuthChallenge',
      'CreateAuthChallenge',
      'VerifyAuthChallengeResponse',
      'UserMigration',
      'CustomEmailSender',
      'CustomSMSSender',
    ]) {
      if (triggers[name] !== undefined) note(pool, `LambdaConfig.${name}`, 'this trigger is never invoked locally');
    }
  }
  for (const client of stack.byType('AWS::Cognito::UserPoolClient')) {
    const flows = Array.isArray(client.properties.AllowedOAuthFlows) ? client.properties.AllowedOAuthFlows.map(String) : [];
    const browserFlows = flows.filter((f) => f !== 'client_credentials');
    if (browserFlows.length > 0)
      note(
        client,
        `AllowedOAuthFlows ${browserFlows.join(', ')}`,
        'the hosted UI and the authorize endpoint are not served: only client_credentials at /oauth2/token',
      );
  }
  for (const domain of stack.byType('AWS::Cognito::UserPoolDomain')) {
    note(
      domain,
      'hosted UI, /oauth2/authorize, /oauth2/userInfo, /logout',
      'not served; the domain serves the client_credentials token endpoint only',
    );
  }
  for (const acl of stack.byType('AWS::WAFv2::WebACL')) {
    const rules = Array.isArray(acl.properties.Rules) ? acl.properties.Rules.length : 0;
    note(
      acl,
      `Rules (${rules}) and DefaultAction`,
      'WAF is not emulated: no rule is applied, every request reaches the API and the user pool unfiltered',
    );
  }
  for (const association of stack.byType('AWS::WAFv2::WebACLAssociation')) {
    note(
      association,
      'WebACLAssociation',
      'WAF is not emulated: the associated API stage or user pool is served without the web ACL in front',
    );
  }
  return notes;
}
