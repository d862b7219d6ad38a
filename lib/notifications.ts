import { CfnOutput, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { StageConfig } from './config';
import type { EventBus } from './event-bus';
import { ServiceFunction } from './service-function';
import { table } from './tables';
import { ENV } from '#contracts/environment';
import { subscriptionTo } from '#contracts/events';

export interface NotificationsProps {
  readonly config: StageConfig;
  readonly events: EventBus;
  /** Where users' contact data lives (read when notifying them, never carried in events). */
  readonly usersTable: dynamodb.ITable;
}

export interface ConsumerOptions {
  /** Reads users' contact data (GetItem on the users table, its name in USERS_TABLE). */
  readonly readsContacts?: boolean;
}

/**
 * The notifications context: a record of every attempt (channel, masked
 * recipient, template, status) and the consumers that send them — the welcome
 * email on `UserCreated` and the loyalty thank-you (email, SMS, push) on
 * `HighEngagementDetected` here, the order notices in the order saga. Delivery
 * goes through SES / SNS only when the stage config enables it; otherwise
 * attempts are recorded and nothing leaves the account.
 */
export class Notifications extends Construct {
  readonly table: dynamodb.Table;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: NotificationsProps,
  ) {
    super(scope, id);
    this.table = table(this, 'Table', props.config, { sortKey: 'sk' });
    // UserCreated names the user only: the welcome email reads name and address from the users table.
    const welcome = this.consumer('Welcome', 'notifications/welcome.ts', 'On UserCreated: welcome email', { readsContacts: true });
    props.events.subscribe('WelcomeNotification', subscriptionTo('UserCreated'), welcome);
    const thanks = this.consumer(
      'LoyaltyThanks',
      'notifications/loyalty-thanks.ts',
      'On HighEngagementDetected: thank-you email, SMS and push, once per user',
      { readsContacts: true },
    );
    props.events.subscribe('LoyaltyThanksNotification', subscriptionTo('HighEngagementDetected'), thanks);
    new CfnOutput(this, 'TableName', { key: 'NotificationsTableName', value: this.table.tableName });
  }

  /**
   * A function that records attempts in the table and may deliver through the
   * stage's providers; with `readsContacts`, it may also read users' contact data.
   */
  consumer(id: string, entry: string, description: string, options: ConsumerOptions = {}): ServiceFunction {
    const { config, usersTable } = this.props;
    const fn = new ServiceFunction(this, id, {
      entry,
      service: 'notifications',
      config,
      description,
      environment: {
        [ENV.NOTIFICATIONS_TABLE]: this.table.tableName,
        [ENV.SNS_DELIVERY]: String(config.snsDelivery),
        ...(config.sesSender ? { [ENV.SES_SENDER]: config.sesSender } : {}),
      },
    });
    this.table.grant(fn, 'dynamodb:PutItem', 'dynamodb:UpdateItem');
    if (options.readsContacts) {
      usersTable.grant(fn, 'dynamodb:GetItem');
      fn.addEnvironment(ENV.USERS_TABLE, usersTable.tableName);
    }
    const stack = Stack.of(this);
    if (config.sesSender) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['ses:SendEmail'],
          resources: [stack.formatArn({ service: 'ses', resource: 'identity', resourceName: '*' })],
          conditions: { StringEquals: { 'ses:FromAddress': config.sesSender } },
        }),
      );
    }
    if (config.snsDelivery) {
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: ['*'] }));
    }
    return fn;
  }
}
