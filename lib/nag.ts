import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges cdk-nag findings on a construct (cdk-nag 3 reads CDK's own
 * validation acknowledgements). Every acknowledgement carries its reason, which
 * ends up in the synthesised metadata for auditors.
 */
export function acknowledge(scope: IConstruct, ...rules: { id: string; reason: string }[]): void {
  Validations.of(scope).acknowledge(...rules);
}
