import type { Route } from '../routes.js';

/*
 * The access explorer (docs/authorization.md, "Access explorer"): one HTML page and its
 * two assets, public like /docs. The page holds no data and no secret: it signs in with a
 * bearer token the user gives it and then calls only the public API, so serving it needs
 * no authorizer, and its own Lambda keeps the page's bytes out of every API function.
 */
export const EXPLORER_ROUTES = [
  { id: 'getExplorer', method: 'GET', path: '/explorer', fn: 'explorer', auth: 'public', summary: 'The access explorer (HTML): who can do what in an organization, and why' },
  { id: 'getExplorerAsset', method: 'GET', path: '/explorer/assets/{file}', fn: 'explorer', auth: 'public', summary: 'The script or stylesheet of the access explorer' },
] as const satisfies readonly Route[];
