import { METRIC, METRICS_NAMESPACE, METRIC_UNIT } from './metric-names.js';

/*
 * CloudWatch metrics as EMF lines, one line per emission, written at once: nothing is
 * buffered across awaits, so concurrent requests in one process (the local runtime) can
 * never mix their dimensions.
 *
 * The dimension sets are exactly the ones the dashboards query (route; route + status;
 * outcome + reason), nothing more: a metric with an extra dimension is a different
 * CloudWatch metric. Written here rather than through Powertools Metrics, whose only use
 * was this one line format: it cost every function (the authorizer above all) bundle and
 * init for no behaviour of its own that Kontor used.
 *
 * EMF only means something in CloudWatch Logs, so outside Lambda (tests, the local runtime)
 * nothing is written unless POWERTOOLS_METRICS_DISABLED=false asks for it; in Lambda,
 * POWERTOOLS_METRICS_DISABLED=true (or POWERTOOLS_DEV) turns it off as Powertools documents.
 */
export function metricsEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const flag = env.POWERTOOLS_METRICS_DISABLED?.trim().toLowerCase();
  if (flag !== undefined && flag !== '') return !['1', 'true', 'y', 'yes', 'on'].includes(flag);
  if (['1', 'true', 'y', 'yes', 'on'].includes(env.POWERTOOLS_DEV?.trim().toLowerCase() ?? '')) return false;
  return Boolean(env.AWS_LAMBDA_FUNCTION_NAME);
}

type Unit = (typeof METRIC_UNIT)[keyof typeof METRIC_UNIT];

/** One EMF line (the CloudWatch embedded metric format specification): one metric, its dimensions. */
export function emfLine(dimensions: Record<string, string>, name: string, unit: Unit, value: number, timestamp = Date.now()): string {
  return JSON.stringify({
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [{ Namespace: METRICS_NAMESPACE, Dimensions: [Object.keys(dimensions)], Metrics: [{ Name: name, Unit: unit }] }],
    },
    ...dimensions,
    [name]: value,
  });
}

function emit(dimensions: Record<string, string>, name: string, unit: Unit, value: number): void {
  if (!metricsEnabled()) return;
  // Straight to stdout, not console.log: Lambda's console prefixes each line (time, request
  // id, level), and CloudWatch only extracts metrics from a line that is the JSON object.
  process.stdout.write(`${emfLine(dimensions, name, unit, value)}\n`);
}

/** How long a route took, from the wrapper's first line to its answer. */
export const routeLatency = (route: string, ms: number): void =>
  emit({ route }, METRIC.RouteLatency, METRIC_UNIT.RouteLatency, ms);

/** A 4xx or 5xx answer, by route and status class (`4xx`, `5xx`). */
export const routeError = (route: string, status: number): void =>
  emit({ route, status: `${Math.floor(status / 100)}xx` }, METRIC.RouteErrors, METRIC_UNIT.RouteErrors, 1);

/** A retry answered from the idempotency record instead of running the route again. */
export const idempotentReplay = (route: string): void =>
  emit({ route }, METRIC.IdempotentReplay, METRIC_UNIT.IdempotentReplay, 1);

export type AuthorizerOutcome = 'allow' | 'deny' | 'unavailable';
/** One authorizer decision: allow (reason: how access was obtained), deny (why) or unavailable. */
export const authorizerDecision = (outcome: AuthorizerOutcome, reason: string): void =>
  emit({ outcome, reason }, METRIC.AuthorizerDecision, METRIC_UNIT.AuthorizerDecision, 1);
