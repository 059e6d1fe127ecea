/*
 * Cost per million API requests from measured figures, at published on-demand prices.
 * Prices: US East (N. Virginia), as published on the AWS pricing pages when this was
 * written (checked 2026-12-04):
 *   Lambda arm64        $0.0000133334 per GB-s, $0.20 per million requests; the INIT phase
 *                       is billed (on-demand ZIP functions, since 2025-08-01)
 *                       https://aws.amazon.com/lambda/pricing/
 *   API Gateway REST    $3.50 per million requests (first 333 million a month)
 *                       https://aws.amazon.com/api-gateway/pricing/
 *   DynamoDB on-demand  $0.125 per million read request units, $0.625 per million write
 *                       request units (standard table class)
 *                       https://aws.amazon.com/dynamodb/pricing/on-demand/
 *   Verified Permissions $5 per million single authorization requests (IsAuthorized);
 *                       batch requests $150 per million for the first 40 million a month
 *                       https://aws.amazon.com/verified-permissions/pricing/
 */
export const PRICES = {
  region: 'us-east-1',
  checked: '2026-12-04',
  lambdaGbSecond: 0.0000133334,
  lambdaRequest: 0.2 / 1e6,
  apiGatewayRestRequest: 3.5 / 1e6,
  dynamoRead: 0.125 / 1e6,
  dynamoWrite: 0.625 / 1e6,
  avpSingleAuthorization: 5 / 1e6,
} as const;

export interface CostInputs {
  memoryGb: number;
  /** Warm duration of an API function per request (ms), and of an uncached authorizer run. */
  handlerMs: number;
  authorizerMs: number;
  /** Init (cold start) per bundle in ms, and the share of invocations that are cold. */
  initMs: number;
  coldShare: number;
  /** Read units of one uncached authorization; read and write units of the mixed API request. */
  authorizerRru: number;
  requestRru: number;
  requestWru: number;
}

export interface CostRow {
  hitRate: number;
  apiGateway: number;
  lambda: number;
  dynamodb: number;
  total: number;
  avp: number;
}

/** Dollars per million API requests at an authorizer cache hit rate. */
export function costPerMillion(i: CostInputs, hitRate: number): CostRow {
  const m = 1e6;
  const authorizerRuns = m * (1 - hitRate);
  const gbs = (ms: number) => (ms / 1000) * i.memoryGb;
  const lambdaInvocations = m + authorizerRuns;
  const lambda =
    lambdaInvocations * PRICES.lambdaRequest +
    m * gbs(i.handlerMs) * PRICES.lambdaGbSecond +
    authorizerRuns * gbs(i.authorizerMs) * PRICES.lambdaGbSecond +
    lambdaInvocations * i.coldShare * gbs(i.initMs) * PRICES.lambdaGbSecond;
  const dynamodb = (authorizerRuns * i.authorizerRru + m * i.requestRru) * PRICES.dynamoRead + m * i.requestWru * PRICES.dynamoWrite;
  const apiGateway = m * PRICES.apiGatewayRestRequest;
  // AVP would be asked once per request (its answer is not cached by API Gateway unless an authorizer caches it).
  return { hitRate, apiGateway, lambda, dynamodb, total: apiGateway + lambda + dynamodb, avp: m * (1 - hitRate) * PRICES.avpSingleAuthorization };
}
