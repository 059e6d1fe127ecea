import type { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table, TableEncryption, type ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { TABLE } from '../../shared/data/table.js';

/*
 * The single table, built from shared/data/table.ts: the same declaration the local runtime
 * gives DynamoDB Local, so keys, indexes and TTL cannot drift between the two.
 */
export interface KontorTableProps {
  readonly removalPolicy: RemovalPolicy;
  readonly deletionProtection: boolean;
}

export class KontorTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: KontorTableProps) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: TABLE.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TABLE.ttlAttribute,
      // The report aggregator (functions/report-aggregator) diffs a document's old and new
      // images; the local runtime enables the same stream on DynamoDB Local.
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
      // The AWS managed key (aws/dynamodb): key use shows in CloudTrail, without a
      // customer key's rotation and grants to run.
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: props.removalPolicy,
      deletionProtection: props.deletionProtection,
    });
    for (const index of TABLE.indexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        // Items are read whole after an index query; a keys-only projection would cost a
        // second round trip per page.
        projectionType: ProjectionType.ALL,
      });
    }
  }
}

export type TableAccess = 'read' | 'readwrite';

/*
 * Exactly the actions Kontor's data access uses. Not the CDK grant helpers: grantReadData
 * includes Scan (Kontor never scans a whole tenant's data, so IAM refuses it too) and
 * grants `index/*`, where naming the declared indexes is enough.
 */
export const TABLE_ACTIONS = {
  read: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
  // TransactWriteItems is authorized per item through these same actions.
  write: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:ConditionCheckItem'],
} as const;

/** Gives a function the table: TABLE_NAME in its environment and exactly read or read-write access. */
export function bindTable(fn: LambdaFunction, table: ITable, access: TableAccess): void {
  fn.addEnvironment('TABLE_NAME', table.tableName);
  const resources = [table.tableArn, ...TABLE.indexes.map((i) => `${table.tableArn}/index/${i.indexName}`)];
  // Reads run against the table and its indexes; writes can only target the table itself.
  fn.addToRolePolicy(new PolicyStatement({ actions: [...TABLE_ACTIONS.read], resources }));
  if (access === 'readwrite') {
    fn.addToRolePolicy(new PolicyStatement({ actions: [...TABLE_ACTIONS.write], resources: [table.tableArn] }));
  }
}
