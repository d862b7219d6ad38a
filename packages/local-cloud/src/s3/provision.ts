/** S3 buckets of the template, created on s3rver with their CORS and website configuration (provision.ts runs them). */
import {
  CreateBucketCommand,
  PutBucketCorsCommand,
  PutBucketWebsiteCommand,
  type S3Client,
  type CORSRule,
  type RoutingRule,
} from '@aws-sdk/client-s3';
import type { Note, ProvisionOutcome } from '../provision-support';
import type { StackResource } from '../types';

export async function createBucket(client: S3Client, r: StackResource, note: Note): Promise<ProvisionOutcome> {
  const p = r.properties;
  let outcome: ProvisionOutcome = 'created';
  try {
    await client.send(new CreateBucketCommand({ Bucket: r.physicalId }));
  } catch (error) {
    const name = (error as Error).name;
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
    outcome = 'existing';
  }
  if (Array.isArray(p.CorsConfiguration?.CorsRules)) {
    const rules: CORSRule[] = p.CorsConfiguration.CorsRules.map((rule: any) => ({
      ID: rule.Id,
      AllowedHeaders: rule.AllowedHeaders,
      AllowedMethods: rule.AllowedMethods,
      AllowedOrigins: rule.AllowedOrigins,
      ExposeHeaders: rule.ExposedHeaders,
      MaxAgeSeconds: rule.MaxAge === undefined ? undefined : Number(rule.MaxAge),
    }));
    await client.send(new PutBucketCorsCommand({ Bucket: r.physicalId, CORSConfiguration: { CORSRules: rules } }));
  }
  if (p.WebsiteConfiguration) {
    const w = p.WebsiteConfiguration;
    const routing: RoutingRule[] | undefined = Array.isArray(w.RoutingRules)
      ? w.RoutingRules.map((rule: any) => ({
          Condition: rule.RoutingRuleCondition,
          Redirect: rule.RedirectRule,
        }))
      : undefined;
    await client.send(
      new PutBucketWebsiteCommand({
        Bucket: r.physicalId,
        WebsiteConfiguration: {
          IndexDocument: w.IndexDocument ? { Suffix: w.IndexDocument } : undefined,
          ErrorDocument: w.ErrorDocument ? { Key: w.ErrorDocument } : undefined,
          RedirectAllRequestsTo: w.RedirectAllRequestsTo,
          RoutingRules: routing,
        },
      }),
    );
  }
  const details: Record<string, string> = {
    LifecycleConfiguration: 'not emulated by s3rver: objects never expire or change storage class',
    BucketEncryption: 'not emulated by s3rver: objects are stored unencrypted',
    PublicAccessBlockConfiguration: 'not emulated: no access control locally',
    NotificationConfiguration: 'not emulated: object events are not delivered',
    ObjectLockConfiguration: 'not emulated: objects can be deleted',
    ObjectLockEnabled: 'not emulated: objects can be deleted',
    LoggingConfiguration: 'not emulated: no access logs',
    ReplicationConfiguration: 'not emulated: objects are not replicated',
    IntelligentTieringConfigurations: 'not emulated',
    InventoryConfigurations: 'not emulated',
    MetricsConfigurations: 'not emulated',
    AnalyticsConfigurations: 'not emulated',
    OwnershipControls: 'not emulated: no ACLs locally',
    AccessControl: 'not emulated: no ACLs locally',
    AccelerateConfiguration: 'not emulated',
    MetadataTableConfiguration: 'not emulated',
    Tags: 'not emulated by s3rver: bucket tags are not stored',
  };
  for (const [feature, detail] of Object.entries(details)) if (p[feature] !== undefined) note(r, feature, detail);
  if (p.VersioningConfiguration?.Status === 'Enabled') {
    note(r, 'VersioningConfiguration', 'not emulated by s3rver: an overwrite replaces the object, no versions are kept');
  }
  return outcome;
}
