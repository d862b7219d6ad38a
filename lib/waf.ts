import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { StageConfig } from './config';
import type { Route } from './routes';

export interface ApiFirewallProps {
  readonly config: StageConfig;
  readonly stage: apigateway.Stage;
  /** The routes whose one request fans out into many writes: a tighter per-IP limit. */
  readonly amplifying: readonly Route[];
  /**
   * Also protected by the same rules: the user pool, whose sign-up and sign-in
   * endpoints are the only ones anyone may call without a token.
   */
  readonly userPool?: cognito.IUserPool;
}

/** Rate-based rules count over this window (WAF allows 60, 120, 300 or 600 s). */
const WINDOW_SECONDS = 300;

const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
  cloudWatchMetricsEnabled: true,
  metricName,
  sampledRequestsEnabled: true,
});

/** Over a rate limit: a 429 like API Gateway's own throttling, not WAF's default 403. */
const TOO_MANY: wafv2.CfnWebACL.RuleActionProperty = { block: { customResponse: { responseCode: 429 } } };

/**
 * A regional web ACL associated with the API stage (and the user pool's public
 * endpoints: sign-up, sign-in, token): AWS's IP reputation list and
 * known-bad-inputs rule groups, a per-IP rate limit on the amplifying (batch)
 * routes and one on everything (config `waf`). Requests that pass go on to the
 * authorizer and the stage's and usage plans' throttling.
 */
export class ApiFirewall extends Construct {
  readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, { config, stage, amplifying, userPool }: ApiFirewallProps) {
    super(scope, id);
    const pathMatches = amplifying.map((route): wafv2.CfnWebACL.StatementProperty => {
      if (route.path.includes('{')) throw new Error(`${route.path}: a per-IP WAF scope needs a literal path`);
      return {
        byteMatchStatement: {
          fieldToMatch: { uriPath: {} },
          // The stage name precedes the path on the execute-api domain, not on a custom domain.
          positionalConstraint: 'ENDS_WITH',
          searchString: route.path,
          textTransformations: [{ priority: 0, type: 'NONE' }],
        },
      };
    });
    const rules: wafv2.CfnWebACL.RuleProperty[] = [
      {
        name: 'AwsIpReputation',
        priority: 0,
        overrideAction: { none: {} },
        statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesAmazonIpReputationList' } },
        visibilityConfig: visibility('AwsIpReputation'),
      },
      {
        name: 'AwsKnownBadInputs',
        priority: 1,
        overrideAction: { none: {} },
        statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesKnownBadInputsRuleSet' } },
        visibilityConfig: visibility('AwsKnownBadInputs'),
      },
    ];
    if (pathMatches.length > 0) {
      rules.push({
        name: 'AmplifyingRoutesPerIp',
        priority: 2,
        action: TOO_MANY,
        statement: {
          rateBasedStatement: {
            aggregateKeyType: 'IP',
            limit: config.waf.amplifyingRequestsPerIp,
            evaluationWindowSec: WINDOW_SECONDS,
            scopeDownStatement: pathMatches.length === 1 ? pathMatches[0] : { orStatement: { statements: pathMatches } },
          },
        },
        visibilityConfig: visibility('AmplifyingRoutesPerIp'),
      });
    }
    rules.push({
      name: 'RequestsPerIp',
      priority: 3,
      action: TOO_MANY,
      statement: {
        rateBasedStatement: { aggregateKeyType: 'IP', limit: config.waf.requestsPerIp, evaluationWindowSec: WINDOW_SECONDS },
      },
      visibilityConfig: visibility('RequestsPerIp'),
    });

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      description: `serverless-commerce ${config.stage} API`,
      visibilityConfig: visibility(`ServerlessCommerceApi-${config.stage}`),
      rules,
    });
    const association = new wafv2.CfnWebACLAssociation(this, 'Association', {
      resourceArn: stage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
    // The stage must exist before it can be associated.
    association.node.addDependency(stage);
    if (userPool) {
      new wafv2.CfnWebACLAssociation(this, 'UserPoolAssociation', {
        resourceArn: userPool.userPoolArn,
        webAclArn: this.webAcl.attrArn,
      });
    }
  }
}
