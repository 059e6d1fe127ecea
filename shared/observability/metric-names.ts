/*
 * The custom metrics Kontor publishes (CloudWatch embedded metric format, EMF) and the
 * dashboard reads. Names, dimensions and units are a contract between the app, which
 * emits them, and infra/constructs/observability.ts, which graphs them: both import them
 * from here, so a rename on one side cannot silently leave the other graphing nothing.
 *
 * The dashboard finds these metrics with SEARCH expressions on namespace, metric name and
 * the dimensions below, so a default dimension added by the emitter (Powertools' `service`)
 * does not hide them; alarms could not do that (they need the exact dimension set).
 */

/** Every function's POWERTOOLS_METRICS_NAMESPACE, and the namespace of the metrics below. */
export const METRICS_NAMESPACE = 'Kontor';

export const METRIC = {
  /** One per authorizer decision (unit Count), dimensions `outcome` and `reason`. */
  AuthorizerDecision: 'AuthorizerDecision',
  /** A handled request's latency in the function (unit Milliseconds), dimension `route`. */
  RouteLatency: 'RouteLatency',
  /** A request a route's handler answered with an error (unit Count), dimension `route`. */
  RouteErrors: 'RouteErrors',
  /** A write answered from the idempotency record instead of being applied again (unit Count). */
  IdempotentReplay: 'IdempotentReplay',
} as const;
export type MetricName = (typeof METRIC)[keyof typeof METRIC];

export const METRIC_DIMENSION = {
  /** AuthorizerDecision: one of AUTHORIZER_OUTCOMES. */
  outcome: 'outcome',
  /** AuthorizerDecision: why (a short, fixed vocabulary, never a token or an id). */
  reason: 'reason',
  /** RouteLatency, RouteErrors, IdempotentReplay: the route id of shared/http/routes.ts. */
  route: 'route',
  /** RouteErrors: the status class, `4xx` or `5xx`. */
  status: 'status',
} as const;

/** allow: a policy with the route allowed; deny: 401/403; unavailable: the facts could not be read (503). */
export const AUTHORIZER_OUTCOMES = ['allow', 'deny', 'unavailable'] as const;
export type AuthorizerOutcome = (typeof AUTHORIZER_OUTCOMES)[number];

export const METRIC_UNIT = {
  AuthorizerDecision: 'Count',
  RouteLatency: 'Milliseconds',
  RouteErrors: 'Count',
  IdempotentReplay: 'Count',
} as const satisfies Record<keyof typeof METRIC, string>;
