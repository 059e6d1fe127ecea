import { createHash } from 'node:crypto';
import type { Principal } from '../authz/engine.js';
import type { Store } from '../data/context.js';
import { auditStep } from '../data/entities/audit.js';
import { getDocument } from '../data/entities/document.js';
import * as filings from '../data/entities/filing.js';
import type { Page, PageRequest } from '../data/paginator.js';
import { periodBounds } from '../domain/accounting/period.js';
import { validateUpo } from '../domain/accounting/upo.js';
import { auditEntry } from '../domain/audit.js';
import { Conflict, NotFound, StaleVersion, ValidationError } from '../domain/errors.js';
import { ulid } from '../domain/ids.js';

/*
 * Filings and their official receipts (SPEC 2.2 "UPO"): upo.submit records a filing and
 * attaches the receipt the portal returned; upo.view lists filings and downloads receipts.
 * Like accounting, the area is account-wide: an e-invoice filing may name any invoice of
 * the account, which must exist and be issued (a draft has no number to file).
 */
export type RecordFilingInput =
  | { subject: 'vat-register'; period: string; reference?: string | undefined; filedAt: string }
  | { subject: 'e-invoice'; invoiceId: string; reference?: string | undefined; filedAt: string };

export async function record(store: Store, p: Principal, input: RecordFilingInput): Promise<filings.Filing> {
  const at = store.now().toISOString();
  const base = {
    filingId: ulid(),
    organizationId: p.organizationId,
    accountId: p.accountId,
    reference: input.reference,
    filedAt: input.filedAt,
    createdBy: p.userId,
    createdAt: at,
    version: 1,
  };
  let filing: filings.Filing;
  if (input.subject === 'vat-register') {
    periodBounds(input.period);
    filing = { ...base, subject: 'vat-register', period: input.period };
  } else {
    const invoice = await getDocument(store, p.accountId, 'invoice', input.invoiceId);
    if (!invoice) throw new ValidationError('unknown invoice', { errors: [{ field: 'body.invoiceId', message: 'no such invoice in this account' }] });
    if (invoice.number === undefined || invoice.status === 'cancelled') {
      throw new Conflict(`a ${invoice.status} invoice cannot be filed; only issued invoices can`, { extensions: { status: invoice.status } });
    }
    filing = { ...base, subject: 'e-invoice', invoiceId: invoice.documentId, invoiceNumber: invoice.number };
  }
  const audit = auditEntry(p, {
    action: 'filing.recorded',
    targetType: 'filing',
    targetId: filing.filingId,
    before: null,
    after: { subject: filing.subject, period: filing.period ?? null, invoiceId: filing.invoiceId ?? null, filedAt: filing.filedAt },
  });
  await filings.recordFiling(store, filing, auditStep(store, audit, at));
  return filing;
}

export async function get(store: Store, p: Principal, filingId: string): Promise<filings.Filing> {
  const filing = await filings.getFiling(store, p.accountId, filingId);
  if (!filing) throw new NotFound('no such filing');
  return filing;
}

export const list = (store: Store, p: Principal, page: Omit<PageRequest, 'boundTo'>): Promise<Page<filings.Filing>> =>
  filings.listFilings(store, p.accountId, { ...page, boundTo: p.userId });

export interface AttachReceiptInput {
  fileName: string;
  content: string;
  version?: number | undefined;
}

/** Validates the receipt (shape, size, no DTD) and attaches it; a filing takes one receipt, once. */
export async function attachReceipt(store: Store, p: Principal, filingId: string, input: AttachReceiptInput): Promise<filings.Filing> {
  const read = await filings.getFiling(store, p.accountId, filingId, true);
  if (!read) throw new NotFound('no such filing');
  if (input.version !== undefined && input.version !== read.version) {
    throw new StaleVersion(`version ${input.version} is stale; the filing is at version ${read.version}`, { extensions: { currentVersion: read.version } });
  }
  if (read.receipt) throw new Conflict('the filing already has its receipt; an official receipt is never replaced');
  const { referenceNumber, bytes } = validateUpo(read.subject, input.content);
  const at = store.now().toISOString();
  const sha256 = createHash('sha256').update(input.content, 'utf8').digest('hex');
  const next: filings.Filing = {
    ...read,
    receipt: { fileName: input.fileName, bytes, sha256, referenceNumber, attachedBy: p.userId, attachedAt: at },
    version: read.version + 1,
  };
  const audit = auditEntry(p, {
    action: 'filing.receipt-attached',
    targetType: 'filing',
    targetId: filingId,
    before: null,
    after: { fileName: input.fileName, bytes, sha256, referenceNumber },
  });
  await filings.attachReceipt(
    store,
    read,
    next,
    { accountId: p.accountId, filingId, fileName: input.fileName, contentType: 'application/xml', content: input.content },
    auditStep(store, audit, at),
  );
  return next;
}

export async function receipt(store: Store, p: Principal, filingId: string): Promise<filings.FilingReceipt> {
  const found = await filings.getFilingReceipt(store, p.accountId, filingId);
  if (!found) throw new NotFound('the filing has no receipt');
  return found;
}
