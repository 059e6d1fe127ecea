export const METRIC_NAMESPACE = 'Kontor';
export const METRICS = { authorizerDecision: 'AuthorizerDecision', routeLatency: 'RouteLatency', routeErrors: 'RouteErrors', idempotentReplay: 'IdempotentReplay' } as const;
