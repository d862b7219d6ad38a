import { CfnOutput, Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import type { Api } from './api';
import type { StageConfig } from './config';
import { ServiceFunction } from './service-function';
import { table } from './tables';
import { ENV } from '#contracts/environment';
import { API_BATCH_FUNCTION_TIMEOUT_S } from '#contracts/time-budgets';

export interface UserBatchesProps {
  readonly config: StageConfig;
  readonly api: Api;
  /** The users context's table: batch users are stored exactly like `POST /users` stores them. */
  readonly usersTable: dynamodb.ITable;
}

/**
 * `POST /users/batch`: up to 100 users in batches of ten, each batch's result
 * cached for 24 h (an Idempotency-Key's lifetime) by its content (Powertools Idempotency on a DynamoDB table
 * whose `expiration` attribute is the TTL — no cache cluster, no VPC).
 */
export class UserBatches extends Construct {
  readonly idempotencyTable: dynamodb.Table;
  readonly function: ServiceFunction;

  constructor(scope: Construct, id: string, { config, api, usersTable }: UserBatchesProps) {
    super(scope, id);
    this.idempotencyTable = table(this, 'IdempotencyTable', config, { timeToLiveAttribute: 'expiration' });
    this.function = new ServiceFunction(this, 'CreateUsers', {
      entry: 'users/batch-create-users.ts',
      service: 'users',
      config,
      timeout: Duration.seconds(API_BATCH_FUNCTION_TIMEOUT_S), // inside API Gateway's 29 s (#contracts/time-budgets)
      environment: { [ENV.USERS_TABLE]: usersTable.tableName, [ENV.IDEMPOTENCY_TABLE]: this.idempotencyTable.tableName },
      description: 'POST /users/batch: register users ten at a time, each batch cached for an hour',
    });
    // As POST /users: TransactWriteItems of two conditional puts (UserCreated goes out from the table stream).
    usersTable.grant(this.function, 'dynamodb:PutItem', 'dynamodb:ConditionCheckItem');
    // Powertools' DynamoDB persistence: conditional put (in progress), get, update (result), delete (failure).
    this.idempotencyTable.grant(this.function, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');
    api.route('POST', '/users/batch', this.function);
    new CfnOutput(this, 'IdempotencyTableName', { key: 'IdempotencyTableName', value: this.idempotencyTable.tableName });
  }
}
