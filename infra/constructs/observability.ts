import { Duration, Validations } from 'aws-cdk-lib';
import type { Method, Stage } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  LogQueryVisualizationType,
  LogQueryWidget,
  MathExpression,
  SearchExpression,
  TextWidget,
  TreatMissingData,
  type Metric,
  type IWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { ROUTES, type FunctionName, type Route } from '../../shared/http/routes.js';
import { TABLE } from '../../shared/data/table.js';
import { AUTHORIZER_OUTCOMES, METRIC, METRIC_DIMENSION, METRICS_NAMESPACE } from '../../shared/observability/metric-names.js';
import type { KontorFunction } from './kontor-function.js';

/*
 * The stage's alarms and its one dashboard, generated from the route table and FUNCTIONS
 * like the API itself: a route or function added there gets its widgets here without an
 * edit. Alarms watch only what is actionable for the whole stage (authorizer, 5xx rate,
 * table throttles); per-route detail is on the dashboard.
 */
export interface KontorObservabilityProps {
  readonly stageName: string;
  readonly stage: Stage;
  /** Every route's method, by route id (KontorApi.methods). */
  readonly methods: ReadonlyMap<string, Method>;
  readonly functions: Readonly<Record<FunctionName, KontorFunction>>;
  readonly authorizer: KontorFunction;
  readonly table: Table;
  /** When set, alarms notify an SNS topic with this address subscribed. */
  readonly alarmEmail?: string;
}

const PERIOD = Duration.minutes(5);

/** The thresholds, exported so the tests and docs/deploy.md state the same numbers. */
export const ALARM_THRESHOLDS = {
  /** Percent of authorizer invocations that ended in a function error, per 5 minutes. */
  authorizerErrorRatePercent: 10,
  /** Below this many invocations in 5 minutes the error rate is not judged (a few expired tokens are not an incident). */
  authorizerMinInvocations: 20,
  /** Any throttled authorizer invocation is a 500 to a caller. */
  authorizerThrottles: 1,
  /** Share of requests answered 5xx by the stage (5XXError's Average), per 5 minutes. */
  api5xxRate: 0.05,
  /** Read plus write throttle events on the table and its indexes, per 5 minutes. */
  tableThrottleEvents: 10,
} as const;

export class KontorObservability extends Construct {
  readonly dashboard: Dashboard;
  readonly alarms: readonly Alarm[];
  readonly topic?: Topic;

  constructor(scope: Construct, id: string, props: KontorObservabilityProps) {
    super(scope, id);
    const { stage, table, authorizer } = props;
    const prefix = `kontor-${props.stageName}`;
    const authorizerFn = authorizer.fn;

    // A REQUEST authorizer answers 401 by throwing "Unauthorized", which Lambda counts as an
    // error: a raw error count would page on every expired token, so the alarm is a rate
    // with a floor of invocations.
    const authorizerErrors = new Alarm(this, 'AuthorizerErrors', {
      alarmName: `${prefix}-authorizer-errors`,
      alarmDescription: `More than ${ALARM_THRESHOLDS.authorizerErrorRatePercent}% of the authorizer's invocations failed for 15 minutes (at least ${ALARM_THRESHOLDS.authorizerMinInvocations} invocations per 5 minutes). Includes 401s for invalid tokens; AuthorizerDecision{outcome=unavailable} on the dashboard tells an outage (503s) from a flood of bad tokens.`,
      metric: new MathExpression({
        expression: `IF(invocations >= ${ALARM_THRESHOLDS.authorizerMinInvocations}, 100 * errors / invocations, 0)`,
        usingMetrics: {
          errors: authorizerFn.metricErrors({ statistic: 'Sum', period: PERIOD }),
          invocations: authorizerFn.metricInvocations({ statistic: 'Sum', period: PERIOD }),
        },
        label: 'Authorizer error rate (%)',
        period: PERIOD,
      }),
      threshold: ALARM_THRESHOLDS.authorizerErrorRatePercent,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const authorizerThrottles = new Alarm(this, 'AuthorizerThrottles', {
      alarmName: `${prefix}-authorizer-throttles`,
      alarmDescription: 'The authorizer was throttled: every throttled invocation is a 500 to a caller. Check the account\'s Lambda concurrency.',
      metric: authorizerFn.metricThrottles({ statistic: 'Sum', period: PERIOD }),
      threshold: ALARM_THRESHOLDS.authorizerThrottles,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    // 5XXError is 0 or 1 per request, so its Average is the share of 5xx answers: a rate that
    // means the same at 1 and at 1000 requests per second.
    const api5xx = new Alarm(this, 'Api5xxRate', {
      alarmName: `${prefix}-api-5xx-rate`,
      alarmDescription: `More than ${ALARM_THRESHOLDS.api5xxRate * 100}% of the stage's requests answered 5xx in 2 of the last 3 5-minute periods.`,
      metric: stage.metricServerError({ statistic: 'Average', period: PERIOD }),
      threshold: ALARM_THRESHOLDS.api5xxRate,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const throttleEvents = tableThrottleEvents(table);
    const tableThrottles = new Alarm(this, 'TableThrottles', {
      alarmName: `${prefix}-table-throttles`,
      alarmDescription: `At least ${ALARM_THRESHOLDS.tableThrottleEvents} read or write throttle events on the table or its indexes in 5 minutes (on demand: a hot partition or a burst beyond twice the previous peak).`,
      metric: new MathExpression({ expression: Object.keys(throttleEvents).join(' + '), usingMetrics: throttleEvents, label: 'Throttle events', period: PERIOD }),
      threshold: ALARM_THRESHOLDS.tableThrottleEvents,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.alarms = [authorizerErrors, authorizerThrottles, api5xx, tableThrottles];

    if (props.alarmEmail) {
      this.topic = new Topic(this, 'AlarmTopic', { topicName: `${prefix}-alarms`, displayName: `Kontor ${props.stageName} alarms`, enforceSSL: true });
      this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
      for (const alarm of this.alarms) alarm.addAlarmAction(new SnsAction(this.topic));
      Validations.of(this.topic).acknowledge({
        id: 'AwsSolutions-SNS2',
        reason:
          'The topic carries alarm state changes only (alarm name, threshold, metric values), no tenant data; CloudWatch alarms cannot publish to a topic encrypted with the AWS managed SNS key, and a customer key for this alone is not worth its key policy.',
      });
    }

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: dashboardName(props.stageName),
      defaultInterval: Duration.hours(3),
      widgets: [
        [new AlarmStatusWidget({ title: 'Alarms', alarms: [...this.alarms], width: 24, height: 3 })],
        ...apiRows(stage),
        ...authorizerRows(authorizer),
        ...appMetricRows(),
        ...tableRows(table),
        ...functionRows(props.functions, authorizer),
        ...routeRows(props.methods, stage),
      ],
    });
  }
}

export const dashboardName = (stageName: string): string => `kontor-${stageName}`;

function tableThrottleEvents(table: Table): Record<string, Metric> {
  const metrics: Record<string, Metric> = {};
  const sources: [string, Record<string, string>][] = [
    ['table', { TableName: table.tableName }],
    ...TABLE.indexes.map((i, n): [string, Record<string, string>] => [`gsi${n}`, { TableName: table.tableName, GlobalSecondaryIndexName: i.indexName }]),
  ];
  for (const [key, dimensionsMap] of sources) {
    metrics[`${key}reads`] = table.metric('ReadThrottleEvents', { dimensionsMap, statistic: 'Sum', period: PERIOD });
    metrics[`${key}writes`] = table.metric('WriteThrottleEvents', { dimensionsMap, statistic: 'Sum', period: PERIOD });
  }
  return metrics;
}

const header = (markdown: string): IWidget[] => [new TextWidget({ markdown, width: 24, height: 1 })];

// Custom metrics are found by namespace, name and dimension values rather than an exact
// dimension set, so the emitter may add dimensions (Powertools' `service`) without
// emptying a widget.
const search = (metricName: string, terms: string, statistic: string, label: string): SearchExpression =>
  new SearchExpression({
    expression: `SEARCH('Namespace="${METRICS_NAMESPACE}" MetricName="${metricName}"${terms ? ` ${terms}` : ''}', '${statistic}', ${PERIOD.toSeconds()})`,
    label,
    period: PERIOD,
  });

function apiRows(stage: Stage): IWidget[][] {
  return [
    header('## API (whole stage)'),
    [
      new GraphWidget({
        title: 'Requests',
        left: [
          stage.metricCount({ statistic: 'Sum', label: 'requests' }),
          stage.metricClientError({ statistic: 'Sum', label: '4xx' }),
          stage.metricServerError({ statistic: 'Sum', label: '5xx' }),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'Latency (ms)',
        left: [
          stage.metricLatency({ statistic: 'p50', label: 'p50' }),
          stage.metricLatency({ statistic: 'p99', label: 'p99' }),
          stage.metricIntegrationLatency({ statistic: 'p99', label: 'integration p99' }),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: '5xx rate (alarm above the line)',
        left: [stage.metricServerError({ statistic: 'Average', label: '5xx share' })],
        leftAnnotations: [{ value: ALARM_THRESHOLDS.api5xxRate, label: 'alarm' }],
        width: 8,
      }),
    ],
  ];
}

function authorizerRows(authorizer: KontorFunction): IWidget[][] {
  const outcome = (o: string): MathExpression =>
    new MathExpression({
      expression: `SUM(${search(METRIC.AuthorizerDecision, `${METRIC_DIMENSION.outcome}="${o}"`, 'Sum', o).expression})`,
      usingMetrics: {},
      label: o,
      period: PERIOD,
    });
  return [
    header('## Authorizer'),
    [
      new GraphWidget({
        title: 'Authorizer: invocations, errors (incl. 401s), throttles',
        left: [
          authorizer.fn.metricInvocations({ statistic: 'Sum', label: 'invocations' }),
          authorizer.fn.metricErrors({ statistic: 'Sum', label: 'errors' }),
          authorizer.fn.metricThrottles({ statistic: 'Sum', label: 'throttles' }),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'AuthorizerDecision by outcome',
        left: AUTHORIZER_OUTCOMES.map(outcome),
        width: 8,
      }),
      new GraphWidget({
        title: 'AuthorizerDecision: deny and unavailable by reason',
        left: [
          search(METRIC.AuthorizerDecision, `${METRIC_DIMENSION.outcome}="deny"`, 'Sum', 'deny'),
          search(METRIC.AuthorizerDecision, `${METRIC_DIMENSION.outcome}="unavailable"`, 'Sum', 'unavailable'),
        ],
        width: 8,
      }),
    ],
  ];
}

function appMetricRows(): IWidget[][] {
  return [
    header(`## Application metrics (namespace \`${METRICS_NAMESPACE}\`)`),
    [
      new GraphWidget({ title: 'RouteLatency p99 by route (ms)', left: [search(METRIC.RouteLatency, '', 'p99', '')], width: 8 }),
      new GraphWidget({ title: 'RouteErrors by route', left: [search(METRIC.RouteErrors, '', 'Sum', '')], width: 8 }),
      new GraphWidget({ title: 'IdempotentReplay', left: [search(METRIC.IdempotentReplay, '', 'Sum', '')], width: 8 }),
    ],
  ];
}

function tableRows(table: Table): IWidget[][] {
  const throttles = tableThrottleEvents(table);
  return [
    header('## Table'),
    [
      new GraphWidget({
        title: 'Consumed capacity units',
        left: [
          table.metricConsumedReadCapacityUnits({ statistic: 'Sum', label: 'read' }),
          table.metricConsumedWriteCapacityUnits({ statistic: 'Sum', label: 'write' }),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'Throttle events (table and indexes)',
        left: Object.entries(throttles).map(([key, metric]) => metric.with({ label: key })),
        leftAnnotations: [{ value: ALARM_THRESHOLDS.tableThrottleEvents, label: 'alarm (sum)' }],
        width: 8,
      }),
      new GraphWidget({
        title: 'Throttled requests by operation',
        left: [
          new SearchExpression({
            expression: `SEARCH('{AWS/DynamoDB,TableName,Operation} MetricName="ThrottledRequests" TableName="${table.tableName}"', 'Sum', ${PERIOD.toSeconds()})`,
            label: '',
            period: PERIOD,
          }),
        ],
        width: 8,
      }),
    ],
  ];
}

function functionRows(functions: Readonly<Record<FunctionName, KontorFunction>>, authorizer: KontorFunction): IWidget[][] {
  const all: [string, KontorFunction][] = [...Object.entries(functions), ['authorizer', authorizer]];
  const widgets: IWidget[] = all.map(
    ([name, f]) =>
      new GraphWidget({
        title: `λ ${name}`,
        left: [f.fn.metricDuration({ statistic: 'p50', label: 'duration p50' }), f.fn.metricDuration({ statistic: 'p99', label: 'duration p99' })],
        right: [f.fn.metricErrors({ statistic: 'Sum', label: 'errors' }), f.fn.metricThrottles({ statistic: 'Sum', label: 'throttles' })],
        width: 8,
      }),
  );
  // Lambda publishes no cold-start metric; the REPORT line of a cold start carries its init
  // duration, so Logs Insights counts them without any code in the functions.
  const coldStarts = new LogQueryWidget({
      title: 'Cold starts by function',
      logGroupNames: all.map(([, f]) => f.logGroup.logGroupName),
      queryLines: [
        'filter @type = "REPORT" and ispresent(@initDuration)',
        'stats count(*) as coldStarts, avg(@initDuration) as avgInitMs, max(@initDuration) as maxInitMs by @log',
        'sort coldStarts desc',
      ],
      view: LogQueryVisualizationType.TABLE,
      width: 24,
  });
  return [header('## Functions (duration ms left; errors, throttles right)'), ...rowsOf(widgets), [coldStarts]];
}

function routeRows(methods: ReadonlyMap<string, Method>, stage: Stage): IWidget[][] {
  const widgets = (ROUTES as readonly Route[]).map((route) => {
    const method = methods.get(route.id);
    if (!method) throw new Error(`observability: route ${route.id} has no API method`);
    return new GraphWidget({
      title: `${route.id}: ${route.method} ${route.path}`,
      left: [method.metricLatency(stage, { statistic: 'p50', label: 'latency p50' }), method.metricLatency(stage, { statistic: 'p99', label: 'latency p99' })],
      right: [
        method.metricCount(stage, { statistic: 'Sum', label: 'count' }),
        method.metricClientError(stage, { statistic: 'Sum', label: '4xx' }),
        method.metricServerError(stage, { statistic: 'Sum', label: '5xx' }),
      ],
      width: 8,
    });
  });
  return [header('## Routes (latency ms left; count, 4xx, 5xx right)'), ...rowsOf(widgets)];
}

const rowsOf = (widgets: IWidget[], perRow = 3): IWidget[][] =>
  Array.from({ length: Math.ceil(widgets.length / perRow) }, (_, i) => widgets.slice(i * perRow, i * perRow + perRow));
