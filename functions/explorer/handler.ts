import { explorerContracts } from '#shared/contracts/explorer.js';
import { createApiHandler } from '#shared/http/api.js';
import { explorerAsset, explorerPage } from './page.js';

/* GET /explorer and its assets: see page.ts. */
export const handler = createApiHandler(
  'explorer',
  {
    getExplorer: async () => explorerPage(),
    getExplorerAsset: async (req) => explorerAsset(req.pathParameters.file ?? ''),
  },
  explorerContracts,
);
