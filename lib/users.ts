import { CfnOutput } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import type { Api } from './api';
import type { StageConfig } from './config';
import type { EventBus } from './event-bus';
import { ServiceFunction } from './service-function';
import { table } from './tables';

export interface UsersProps {
  readonly config: StageConfig;
  readonly api: Api;
  readonly events: EventBus;
}

/**
 * The users context: `POST /users`, `GET /users/{userId}`, and the daily user
 * statistics kept by a `UserCreated` consumer. One table (see user-store.ts for
 * its item types); each function gets only the table actions it calls.
 */
export class Users extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, { config, api, events }: UsersProps) {
    super(scope, id);
    this.table = table(this, 'Table', config, { timeToLiveAttribute: 'expiresAt' });
    const environment = { USERS_TABLE: this.table.tableName };

    const createUser = new ServiceFunction(this, 'CreateUser', {
      entry: 'users/create-user.ts',
      service: 'users',
      config,
      environment,
      description: 'POST /users: register a user, publish UserCreated',
    });
    // TransactWriteItems of two conditional puts; DeleteItem to compensate.
    this.table.grant(createUser, 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem');
    events.allowPublishing(createUser);
    api.route('POST', '/users', createUser);

    const getUser = new ServiceFunction(this, 'GetUser', {
      entry: 'users/get-user.ts',
      service: 'users',
      config,
      environment,
      description: 'GET /users/{userId}',
    });
    this.table.grant(getUser, 'dynamodb:GetItem');
    api.route('GET', '/users/{userId}', getUser);

    const statistics = new ServiceFunction(this, 'UpdateStatistics', {
      entry: 'users/update-statistics.ts',
      service: 'users',
      config,
      environment,
      description: 'On UserCreated: count the user in its day, once per event',
    });
    this.table.grant(statistics, 'dynamodb:PutItem', 'dynamodb:UpdateItem');
    events.subscribe('UserStatistics', { detailTypes: ['UserCreated'], sources: ['commerce.users'] }, statistics);

    new CfnOutput(this, 'TableName', { key: 'UsersTableName', value: this.table.tableName });
  }
}
