import { Stack, type StackProps, Tags } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { Analytics } from './analytics';
import { Api } from './api';
import { CostOptimizer } from './cost-optimizer';
import type { StageConfig } from './config';
import { EventBus } from './event-bus';
import { Identity } from './identity';
import { Notifications } from './notifications';
import { Observability } from './observability';
import { OrderSaga } from './orders';
import { PendingOrders } from './pending-orders';
import { ServiceFunction } from './service-function';
import { UserBatches } from './user-batches';
import { Users } from './users';

export interface PlatformStackProps extends StackProps {
  readonly config: StageConfig;
}

/** The whole platform for one stage. It composes the contexts' constructs; nothing else. */
export class PlatformStack extends Stack {
  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id, props);
    const { config } = props;
    Tags.of(this).add('project', 'serverless-commerce');
    Tags.of(this).add('stage', config.stage);

    const events = new EventBus(this, 'Events', config);
    const identity = new Identity(this, 'Identity', { config });
    const api = new Api(this, 'Api', { config, identity });
    const users = new Users(this, 'Users', { config, api, events, identity });
    const notifications = new Notifications(this, 'Notifications', { config, events, usersTable: users.table });
    const saga = new OrderSaga(this, 'OrderSaga', { config, api, events, notifications });
    const pendingOrders = new PendingOrders(this, 'PendingOrders', { config, ordersTable: saga.orders.table });
    new UserBatches(this, 'UserBatches', { config, api, usersTable: users.table });
    const analytics = new Analytics(this, 'Analytics', { config, api, events });
    // The daily cost report lands under reports/cost/ of the raw-logs bucket (its lifecycle touches raw/ only).
    new CostOptimizer(this, 'CostOptimizer', { config, reportsBucket: analytics.rawBucket });

    // Last: it alarms on every dead-letter queue that exists by now (lib/dead-letter-queues.ts).
    new Observability(this, 'Observability', {
      config,
      restApi: api.restApi,
      functions: this.node.findAll().filter((c): c is ServiceFunction => c instanceof ServiceFunction),
      extraAlarms: [...users.alarms, ...saga.orders.alarms, ...analytics.alarms, pendingOrders.alarm],
    });
  }
}
