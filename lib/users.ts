import { CfnOutput, Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import type { Api } from './api';
import type { StageConfig } from './config';
import type { EventBus } from './event-bus';
import type { Identity } from './identity';
import { outbox } from './outbox';
import { ServiceFunction } from './service-function';
import { table } from './tables';
import { ENV } from '#contracts/environment';
import { subscriptionTo } from '#contracts/events';
import { USER_ITEM_TYPE } from '#contracts/keys';

export interface UsersProps {
  readonly config: StageConfig;
  readonly api: Api;
  readonly events: EventBus;
  readonly identity: Identity;
}

/**
 * The users context: registration through the user pool (a pre-sign-up check
 * of the attributes the profile needs; a post-confirmation trigger that stores
 * the profile under the user's `sub`, once), `GET /users/me` and
 * `GET /users/{userId}`, the outbox that publishes `UserCreated`, and the daily
 * user statistics kept by a `UserCreated` consumer. One table (see user-store.ts for its item types)
 * whose stream is the outbox: writers only write, and a stream consumer
 * publishes an event for every inserted user (bisect on error, partial batch
 * failures, bounded retries, an SQS on-failure destination). Each function
 * gets only the actions it calls.
 */
export class Users extends Construct {
  readonly table: dynamodb.Table;
  /** For Observability's `extraAlarms`: the outbox falling behind (UserCreated published late). */
  readonly alarms: { readonly id: string; readonly metric: cloudwatch.IMetric; readonly threshold: number }[];

  constructor(scope: Construct, id: string, { config, api, events, identity }: UsersProps) {
    super(scope, id);
    this.table = table(this, 'Table', config, {
      timeToLiveAttribute: 'expiresAt',
      stream: dynamodb.StreamViewType.NEW_IMAGE,
    });
    const environment = { [ENV.USERS_TABLE]: this.table.tableName };

    // Cognito owns sign-up, email verification and uniqueness; the users table keeps the profile.
    const validateSignUp = new ServiceFunction(this, 'ValidateSignUp', {
      entry: 'users/validate-sign-up.ts',
      service: 'users',
      config,
      timeout: Duration.seconds(5), // Cognito waits 5 s for a trigger
      description: 'Cognito pre sign-up: refuse attributes the profile could not store (name, phone)',
    });
    identity.onPreSignUp(validateSignUp);
    const registerProfile = new ServiceFunction(this, 'RegisterProfile', {
      entry: 'users/register-profile.ts',
      service: 'users',
      config,
      environment,
      timeout: Duration.seconds(5), // Cognito waits 5 s for a trigger, and retries up to 3 times
      description: 'Cognito post confirmation: store the profile under the sub, once (UserCreated goes out from the table stream)',
    });
    // TransactWriteItems of two conditional puts (profile, email), or the profile alone.
    this.table.grant(registerProfile, 'dynamodb:PutItem');
    identity.onPostConfirmation(registerProfile);

    const userEvents = outbox(this, {
      config,
      events,
      table: this.table,
      entry: 'users/publish-user-events.ts',
      service: 'users',
      itemType: USER_ITEM_TYPE,
      detailType: 'UserCreated',
      publisherId: 'PublishUserEvents',
      dlqOutputKey: 'UserEventsPublisherDlqUrl',
    });
    this.alarms = [{ ...userEvents.alarm, id: 'UserEventsIteratorAge' }];

    const getUser = new ServiceFunction(this, 'GetUser', {
      entry: 'users/get-user.ts',
      service: 'users',
      config,
      environment,
      description: 'GET /users/me, GET /users/{userId} (self or admin)',
    });
    this.table.grant(getUser, 'dynamodb:GetItem');
    api.route('GET', '/users/me', getUser);
    api.route('GET', '/users/{userId}', getUser);

    const statistics = new ServiceFunction(this, 'UpdateStatistics', {
      entry: 'users/update-statistics.ts',
      service: 'users',
      config,
      environment,
      description: 'On UserCreated: count the user in its day, once per event',
      // A burst of sign-ups is counted at this pace, from Lambda's asynchronous queue, not at the API's expense.
      reservedConcurrentExecutions: config.fanOutConcurrency,
    });
    this.table.grant(statistics, 'dynamodb:PutItem', 'dynamodb:UpdateItem');
    events.subscribe('UserStatistics', subscriptionTo('UserCreated'), statistics);

    new CfnOutput(this, 'TableName', { key: 'UsersTableName', value: this.table.tableName });
  }
}
