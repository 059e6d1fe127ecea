import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ALLEGRO_POLL_MINUTES, ALLEGRO_POLLER_ENTRY, ALLEGRO_POLLER_TIMEOUT_SECONDS } from '../../functions/allegro-poller/source.js';
import { KontorFunction } from './kontor-function.js';
import { bindTable } from './table.js';

/*
 * Allegro has no webhooks, so Kontor polls it: an EventBridge rule runs the allegro-poller
 * Lambda every ALLEGRO_POLL_MINUTES. The function reads and writes the table (poll state,
 * orders, invoices, the delivery log), and both opens and seals integration secrets: it
 * opens the credentials and seals the access and refresh tokens Allegro hands out (a
 * refresh rotates the refresh token). No API route invokes it.
 */
export interface AllegroPollerProps {
  readonly stageName: string;
  readonly table: ITable;
  readonly secretsKey: IKey;
  readonly logLevel?: string;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /** ALLEGRO_API_URL / ALLEGRO_AUTH_URL (the sandbox); production Allegro when absent. */
  readonly apiUrl?: string;
  readonly authUrl?: string;
}

export class AllegroPoller extends Construct {
  readonly function: KontorFunction;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: AllegroPollerProps) {
    super(scope, id);
    this.function = new KontorFunction(this, 'Function', {
      entry: ALLEGRO_POLLER_ENTRY,
      description: `Kontor ${props.stageName}: polls Allegro's order events of every active Allegro integration`,
      serviceName: 'allegro-poller',
      ...(props.logLevel ? { logLevel: props.logLevel } : {}),
      environment: {
        SECRET_KEY_ID: props.secretsKey.keyArn,
        ...(props.apiUrl ? { ALLEGRO_API_URL: props.apiUrl } : {}),
        ...(props.authUrl ? { ALLEGRO_AUTH_URL: props.authUrl } : {}),
      },
      timeout: Duration.seconds(ALLEGRO_POLLER_TIMEOUT_SECONDS),
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    bindTable(this.function.fn, props.table, 'readwrite');
    // Exactly the two key actions it uses (grantEncryptDecrypt would add ReEncrypt* and GenerateDataKey*).
    this.function.fn.addToRolePolicy(new PolicyStatement({ actions: ['kms:Decrypt', 'kms:Encrypt'], resources: [props.secretsKey.keyArn] }));
    this.rule = new Rule(this, 'Schedule', {
      description: `Kontor ${props.stageName}: polls Allegro every ${ALLEGRO_POLL_MINUTES} minutes`,
      schedule: Schedule.rate(Duration.minutes(ALLEGRO_POLL_MINUTES)),
      // A run that fails as a whole is not retried: the next run comes in five minutes.
      targets: [new LambdaFunction(this.function.fn, { retryAttempts: 0 })],
    });
  }
}
