/**
 * The path every tenant route starts with. Its own module because the route table
 * (routes.ts) imports each area's routes (routes/*.ts), which need it: a value imported back
 * from routes.ts would be read before that module had set it (an ES module cycle).
 */
export const ACCOUNT_PREFIX = '/accounts/{accountId}';
