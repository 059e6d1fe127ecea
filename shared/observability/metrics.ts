import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRIC, METRICS_NAMESPACE } from './metric-names.js';

/*
 * CloudWatch metrics as EMF lines (Powertools Metrics), one line per emission, published at
 * once: nothing is buffered across awaits, so concurrent requests in one process (the local
 * runtime) can never mix their dimensions.
 *
 * The dimension sets are exactly the ones the dashboards query (route; route + status;
 * outcome + reason): Powertools' default `service` dimension is cleared, because a metric
 * with an extra dimension is a different CloudWatch metric.
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

let metrics: Metrics | undefined;
function instance(): Metrics {
  if (metrics) return metrics;
  metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'kontor' });
  metrics.clearDefaultDimensions();
  return metrics;
}

function emit(dimensions: Record<string, string>, name: string, unit: Parameters<Metrics['addMetric']>[1], value: number): void {
  if (!metricsEnabled()) return;
  const m = instance();
  for (const [k, v] of Object.entries(dimensions)) m.addDimension(k, v);
  m.addMetric(name, unit, value);
  m.publishStoredMetrics();
}

/** How long a route took, from the wrapper's first line to its answer. */
export const routeLatency = (route: string, ms: number): void =>
  emit({ route }, METRIC.RouteLatency, MetricUnit.Milliseconds, ms);

/** A 4xx or 5xx answer, by route and status class (`4xx`, `5xx`). */
export const routeError = (route: string, status: number): void =>
  emit({ route, status: `${Math.floor(status / 100)}xx` }, METRIC.RouteErrors, MetricUnit.Count, 1);

/** A retry answered from the idempotency record instead of running the route again. */
export const idempotentReplay = (route: string): void =>
  emit({ route }, METRIC.IdempotentReplay, MetricUnit.Count, 1);

export type AuthorizerOutcome = 'allow' | 'deny' | 'unavailable';
/** One authorizer decision: allow (reason: how access was obtained), deny (why) or unavailable. */
export const authorizerDecision = (outcome: AuthorizerOutcome, reason: string): void =>
  emit({ outcome, reason }, METRIC.AuthorizerDecision, MetricUnit.Count, 1);
