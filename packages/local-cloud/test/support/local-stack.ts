import type { LocalStack, StackResource } from '../../src/types';

/** A LocalStack over hand-made resources, with the lookups src/assembly/load.ts provides. */
export function localStack(resources: StackResource[], assemblyDir = '/nowhere'): LocalStack {
  return {
    stackName: 'Test',
    region: 'us-east-1',
    accountId: '000000000000',
    assemblyDir,
    resources,
    outputs: {},
    byType: (type) => resources.filter((r) => r.type === type),
    find: (ref) => resources.find((r) => r.logicalId === ref || r.physicalId === ref || Object.values(r.attributes).includes(ref)),
  };
}
