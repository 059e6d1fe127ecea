import { Stack, Validations } from 'aws-cdk-lib';
import type { Stage } from 'aws-cdk-lib/aws-apigateway';
import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

export interface KontorWafProps {
  readonly stageName: string;
  readonly stage: Stage;
  /** Requests one client IP may send in any 5 minutes before the rate rule blocks it. */
  readonly rateLimit: number;
}

/**
 * AWS managed rule groups evaluated before the rate rule, in this order. The common rule set's
 * body-size rule is counted, not enforced: it blocks bodies over 8 KB, and Kontor accepts
 * documents and statements up to 1 MiB (the API answers 413 above that itself).
 */
export const MANAGED_RULE_GROUPS = [
  { name: 'AWSManagedRulesAmazonIpReputationList', countOnly: [] as string[] },
  { name: 'AWSManagedRulesKnownBadInputsRuleSet', countOnly: [] as string[] },
  { name: 'AWSManagedRulesCommonRuleSet', countOnly: ['SizeRestrictions_BODY'] },
] as const;

/*
 * The optional web ACL of a stage (`waf: true` in the stage's config): IP reputation, known
 * bad inputs and the common rule set, then a per-IP rate-based rule. It sits in front of the
 * authorizer, so abusive traffic is refused before any Lambda or DynamoDB cost. Everything is
 * measured in CloudWatch (one metric per rule) with sampled requests on.
 */
export class KontorWaf extends Construct {
  readonly webAcl: CfnWebACL;

  constructor(scope: Construct, id: string, props: KontorWafProps) {
    super(scope, id);
    const visibility = (metricName: string): CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      metricName: `kontor-${props.stageName}-${metricName}`,
      sampledRequestsEnabled: true,
    });

    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      name: `kontor-${props.stageName}`,
      description: `Kontor ${props.stageName}: managed rule groups and a per-IP rate limit in front of the API stage`,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('web-acl'),
      rules: [
        ...MANAGED_RULE_GROUPS.map((group, priority) => ({
          name: group.name,
          priority,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: {
              vendorName: 'AWS',
              name: group.name,
              ...(group.countOnly.length ? { ruleActionOverrides: group.countOnly.map((name) => ({ name, actionToUse: { count: {} } })) } : {}),
            },
          },
          visibilityConfig: visibility(group.name),
        })),
        {
          name: 'RatePerIp',
          priority: MANAGED_RULE_GROUPS.length,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: props.rateLimit, aggregateKeyType: 'IP', evaluationWindowSec: 300 } },
          visibilityConfig: visibility('rate-per-ip'),
        },
      ],
    });

    new CfnWebACLAssociation(this, 'StageAssociation', {
      webAclArn: this.webAcl.attrArn,
      resourceArn: `arn:${Stack.of(this).partition}:apigateway:${Stack.of(this).region}::/restapis/${props.stage.restApi.restApiId}/stages/${props.stage.stageName}`,
    });
  }
}

/** Without a web ACL, cdk-nag's APIG3 is acknowledged with the reason; with one, it holds. */
export function acknowledgeNoWaf(stage: Stage): void {
  Validations.of(stage).acknowledge({
    id: 'AwsSolutions-APIG3',
    reason:
      'This stage runs without the optional web ACL (`waf: false`): every non-public route requires a verified token and a permission and the stage is throttled. Set `waf: true` in the stage config to attach managed rule groups and a per-IP rate rule (docs/deploy.md).',
  });
}
