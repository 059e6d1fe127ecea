import type * as z from 'zod';
import { decide, type Principal } from '../authz/engine.js';
import type { applyPromoCodeBody, createPromoCodeBody, updatePromoCodeBody } from '../contracts/pricing.js';
import type { Store } from '../data/context.js';
import { retryLostRaces, transact } from '../data/dynamo.js';
import { auditStep } from '../data/entities/audit.js';
import { draftReplacedStep, getDocument, type Document } from '../data/entities/document.js';
import * as codes from '../data/entities/promo-code.js';
import type { Page, PageRequest } from '../data/paginator.js';
import { auditEntry } from '../domain/audit.js';
import { Conflict, Forbidden, NotFound, StaleVersion, ValidationError } from '../domain/errors.js';
import { requireAllowed } from '../domain/invoicing/access.js';
import { discountLines, isDiscountLine, type Discount } from '../domain/invoicing/discount.js';

/*
 * Promo codes (promo-codes.*) and applying one to a document.
 *
 * Applying changes money, so it needs the right to change that document (documents.edit,
 * own or all, decided on the document) AND to see promo codes (promo-codes.view): an
 * Employee applies codes to her own drafts; Backoffice, which edits documents but holds
 * no promo-code action, does not. Only a draft takes a code (an issued document never
 * changes), and a document takes at most one.
 *
 * The discount line(s), the document's new totals, the code's use and the audit entry
 * are ONE transaction: the use is a conditional counter update (promo-code.ts), so the
 * usage limit holds under any concurrency; a transaction that lost a race on the code's
 * counter is decided again on a fresh read (retryLostRaces).
 */
export type CreatePromoCodeInput = z.infer<typeof createPromoCodeBody>;
export type UpdatePromoCodeInput = z.infer<typeof updatePromoCodeBody>;
export type ApplyPromoCodeInput = z.infer<typeof applyPromoCodeBody>;

const MAX_ATTEMPTS = 40;

const found = (c: codes.PromoCode | undefined, code: string): codes.PromoCode => {
  if (!c) throw new NotFound(`promo code ${code} does not exist`);
  return c;
};

export const list = (store: Store, p: Principal, page: Omit<PageRequest, 'boundTo'>): Promise<Page<codes.PromoCode>> =>
  codes.listPromoCodes(store, p.accountId, { ...page, boundTo: p.userId });

export const get = async (store: Store, p: Principal, code: string): Promise<codes.PromoCode> => found(await codes.getPromoCode(store, p.accountId, code), code);

export function create(store: Store, p: Principal, input: CreatePromoCodeInput): Promise<codes.PromoCode> {
  const now = store.now().toISOString();
  return codes.createPromoCode(store, {
    code: input.code,
    accountId: p.accountId,
    kind: input.kind,
    percent: input.percent,
    amounts: input.amounts,
    validFrom: input.validFrom,
    validTo: input.validTo,
    usageLimit: input.usageLimit,
    used: 0,
    createdBy: p.userId,
    createdAt: now,
    updatedAt: now,
    version: 1,
  });
}

export async function update(store: Store, p: Principal, code: string, input: UpdatePromoCodeInput): Promise<codes.PromoCode> {
  const current = found(await codes.getPromoCode(store, p.accountId, code, true), code);
  const from = input.validFrom ?? current.validFrom;
  const to = input.validTo ?? current.validTo;
  if (from > to) throw new ValidationError('validity window out of order', { errors: [{ field: 'body.validTo', message: `must be on or after ${from}` }] });
  return codes.changePromoCode(store, current, input.version, input, store.now().toISOString());
}

export const remove = (store: Store, p: Principal, code: string): Promise<void> => codes.deletePromoCode(store, p.accountId, code);

const unknownCode = (code: string) => new ValidationError(`unknown promo code ${code}`, { errors: [{ field: 'body.code', message: `unknown promo code ${code}` }] });

/** What the code takes off a document in `currency`; 409 when a fixed code has no amount in it. */
function discountOf(c: codes.PromoCode, currency: string): Discount {
  if (c.kind === 'percent') return { kind: 'percent', percent: c.percent! };
  const amount = c.amounts?.find((a) => a.currency === currency)?.amount;
  if (amount === undefined) {
    throw new Conflict(`promo code ${c.code} has no amount in ${currency}`, { extensions: { code: c.code, currencies: (c.amounts ?? []).map((a) => a.currency) } });
  }
  return { kind: 'fixed', amount };
}

/** Applies a code to a draft invoice; returns the document as it is after. */
export async function applyToInvoice(store: Store, p: Principal, documentId: string, input: ApplyPromoCodeInput): Promise<Document> {
  const view = decide(p, 'promo-codes.view', { organizationId: p.organizationId, accountId: p.accountId });
  if (!view.allowed) throw new Forbidden(`applying a promo code needs promo-codes.view (${view.reason})`);
  return retryLostRaces(MAX_ATTEMPTS, () => new Conflict(`promo code ${input.code} is in heavy use; retry`), async () => {
    const read = await getDocument(store, p.accountId, 'invoice', documentId, true);
    const { ownerId: _owner, ...doc } = requireAllowed(p, 'documents.view', 'documents.edit', read && { ...read, ownerId: read.createdBy }, 'invoice');
    if (doc.version !== input.version) {
      throw new StaleVersion(`version ${input.version} is stale; the document is at version ${doc.version}`, { extensions: { currentVersion: doc.version } });
    }
    if (doc.status !== 'draft') {
      throw new Conflict(`a ${doc.status} document takes no promo code; only drafts do`, { extensions: { status: doc.status } });
    }
    if (doc.lines.some(isDiscountLine)) throw new Conflict('the document already carries a promo code; it takes one', { extensions: { code: input.code } });
    const code = await codes.getPromoCode(store, p.accountId, input.code, true);
    if (!code) throw unknownCode(input.code);
    const today = store.now().toISOString().slice(0, 10);
    const why = codes.unusableBecause(code, today);
    if (why) throw new Conflict(why, { extensions: { code: code.code, used: code.used, usageLimit: code.usageLimit ?? null, validFrom: code.validFrom, validTo: code.validTo } });
    const added = discountLines(doc.lines, discountOf(code, doc.currency), `Promo code ${code.code}`);
    if (added.length === 0) throw new Conflict(`promo code ${code.code} takes nothing off this document`, { extensions: { code: code.code } });
    const off = added.reduce((s, l) => ({ net: s.net + l.net, vat: s.vat + l.vat, gross: s.gross + l.gross }), { net: 0, vat: 0, gross: 0 });
    const at = store.now().toISOString();
    const next: Document = {
      ...doc,
      lines: [...doc.lines, ...added],
      net: doc.net + off.net,
      vat: doc.vat + off.vat,
      gross: doc.gross + off.gross,
      updatedBy: p.userId,
      updatedAt: at,
    };
    await transact(store, [
      codes.useStep(store, code, today),
      draftReplacedStep(store, doc, next),
      auditStep(
        store,
        auditEntry(p, {
          action: 'promo-code.applied',
          targetType: 'document',
          targetId: doc.documentId,
          before: { net: doc.net, vat: doc.vat, gross: doc.gross, version: doc.version },
          after: { code: code.code, discount: off, net: next.net, vat: next.vat, gross: next.gross, version: doc.version + 1 },
        }),
        at,
      ),
    ]);
    return { ...next, version: doc.version + 1 };
  });
}
