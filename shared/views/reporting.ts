import type { z } from 'zod';
import type { exportResponse, reportResponse } from '../contracts/invoicing.js';
import type { ExportDataset, ExportPage, report } from '../usecases/reporting.js';

/* Reports and JSON exports as the API shows them: typed by the contract, so they cannot drift from it. */
export const reportView = (r: Awaited<ReturnType<typeof report>>): z.output<typeof reportResponse> => r;

export const exportView = (dataset: ExportDataset, page: ExportPage): z.output<typeof exportResponse> => ({
  dataset,
  items: page.rows,
  nextCursor: page.nextCursor,
});
