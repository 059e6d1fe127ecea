import type * as z from 'zod';
import type { exportResponse, reportResponse, timeReportResponse } from '../contracts/invoicing.js';
import { toCsv } from '../domain/invoicing/csv.js';
import type { HttpResponse } from '../http/problem.js';
import type { ExportDataset, ExportPage, report, timeReport } from '../usecases/reporting.js';

/* Reports and JSON exports as the API shows them: typed by the contract, so they cannot drift from it. */
export const reportView = (r: Awaited<ReturnType<typeof report>>): z.output<typeof reportResponse> => r;

export const timeReportView = (r: Awaited<ReturnType<typeof timeReport>>): z.output<typeof timeReportResponse> => r;

export const exportView = (dataset: ExportDataset, page: ExportPage): z.output<typeof exportResponse> => ({
  dataset,
  items: page.rows,
  nextCursor: page.nextCursor,
});

/**
 * A CSV export page as a download. The header row comes with the first page only, so pages
 * concatenate into one file; the next page's cursor travels in `x-next-cursor`.
 */
export const exportCsvView = (dataset: ExportDataset, page: ExportPage, firstPage: boolean): HttpResponse => ({
  statusCode: 200,
  headers: {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="${dataset}.csv"`,
    'cache-control': 'no-store',
    ...(page.nextCursor ? { 'x-next-cursor': page.nextCursor } : {}),
  },
  body: toCsv(page.columns, page.rows, firstPage),
});
