import { createHash } from 'node:crypto';
import type { Principal } from '../authz/engine.js';
import type { Store } from '../data/context.js';
import { retryLostRaces, transact, TransientConflict, type TxStep } from '../data/dynamo.js';
import { auditStep } from '../data/entities/audit.js';
import * as bank from '../data/entities/bank.js';
import { forEachDocumentInPeriod, getDocument, type Document } from '../data/entities/document.js';
import { withActor, type Actor } from '../data/entities/membership.js';
import { paymentSteps, type Payment } from '../data/entities/payment.js';
import type { Page, PageRequest } from '../data/paginator.js';
import { auditEntry, type AuditAction } from '../domain/audit.js';
import { matchTransaction, type OpenInvoice } from '../domain/bank/matching.js';
import { parseStatement } from '../domain/bank/parse.js';
import { identify, type StatementTransaction } from '../domain/bank/statement.js';
import { Conflict, IllegalTransition, NotFound, StaleVersion, ValidationError } from '../domain/errors.js';
import { ulid } from '../domain/ids.js';
import { outstandingOf } from '../domain/invoicing/documents.js';
import { addAmounts } from '../domain/invoicing/money.js';
import { PAYABLE, statusAfterPayments } from '../domain/invoicing/status.js';
import { requireActiveIntegration } from './active-integration.js';

/*
 * Bank imports (SPEC 6.2). A holder of integrations.manage uploads a statement (MT940 or
 * CAMT.053) into an account with an active bank-import integration. Then:
 *   1. the whole file is parsed first: a file that does not parse is a 400 naming line
 *      and field, and nothing is written;
 *   2. each transaction gets its identity (a hash, see domain/bank/statement.ts); those
 *      already stored are skipped, so re-importing a file, or an overlapping one, changes
 *      nothing that is already there;
 *   3. each new transaction is matched against the account's open invoices
 *      (domain/bank/matching.ts). A match is stored together with its payment, the
 *      invoice's new paid amount and status, and an audit entry, in ONE transaction
 *      conditioned on the invoice's version and on the transaction not existing yet; the
 *      rest is stored to be resolved by a person (or as outgoing money);
 *   4. the import's record and its audit entry are written last.
 * A file is written transaction by transaction (a file may list thousands, a DynamoDB
 * transaction takes 100 items): if an import stops half-way (a timeout, a 503), uploading
 * the same file again completes it, because every step is keyed by what it writes.
 *
 * Money moves only through payments: the same steps as POST /payments (payment item and
 * invoice update on its version), so a payment recorded from a bank line is like any other.
 */
const MAX_ATTEMPTS = 8;
const moved = () => new TransientConflict('the invoice changed while the payment was being written');
const exhausted = () => new StaleVersion('the invoice kept changing; retry');

export interface ImportResult {
  import: bank.BankImport;
  /** False when this exact file was imported before: nothing was written. */
  created: boolean;
}

const importIdOf = (body: string) => createHash('sha256').update(body).digest('hex').slice(0, 32);

async function openInvoices(store: Store, accountId: string, userId: string): Promise<Map<string, OpenInvoice>> {
  const open = new Map<string, OpenInvoice>();
  // Every invoice of the account, page by page, keeping only what still expects money. The
  // list index is eventually consistent; each payment decides again on a strong read.
  await forEachDocumentInPeriod(store, { accountId, kind: 'invoice', scope: 'all', userId, from: '0000-01-01', to: '9999-12-31' }, (d) => {
    const outstanding = outstandingOf(d);
    if (d.number !== undefined && PAYABLE.includes(d.status) && outstanding > 0) {
      open.set(d.documentId, { documentId: d.documentId, number: d.number, currency: d.currency, outstanding });
    }
  });
  return open;
}

function paymentOf(p: Principal, t: bank.BankTransaction, invoice: Document, at: string): Payment {
  return {
    paymentId: ulid(),
    organizationId: p.organizationId,
    accountId: p.accountId,
    invoiceId: invoice.documentId,
    invoiceNumber: invoice.number,
    invoiceCreatedBy: invoice.createdBy,
    amount: t.amount,
    currency: t.currency,
    paidAt: t.bookingDate,
    method: 'bank-transfer',
    reference: (t.endToEndId ?? t.bankReference ?? t.remittance).slice(0, 200) || undefined,
    createdBy: p.userId,
    createdAt: at,
  };
}

const audited = (t: bank.BankTransaction) => ({
  status: t.status,
  amount: t.amount,
  currency: t.currency,
  bookingDate: t.bookingDate,
  invoiceId: t.invoiceId ?? null,
  paymentId: t.paymentId ?? null,
});

function auditOf(store: Store, actor: Actor, action: AuditAction, before: bank.BankTransaction | null, after: bank.BankTransaction, at: string): TxStep {
  return auditStep(
    store,
    auditEntry(actor, { action, targetType: 'bank-transaction', targetId: after.transactionId, before: before && audited(before), after: audited(after) }),
    at,
  );
}

/** Why a payable invoice cannot take this transaction's money, or undefined when it can. */
function refusalOf(t: Pick<bank.BankTransaction, 'amount' | 'currency'>, invoice: Document): string | undefined {
  if (!PAYABLE.includes(invoice.status)) return `a ${invoice.status} invoice takes no payments`;
  if (invoice.currency !== t.currency) return `the invoice is in ${invoice.currency}, the transaction in ${t.currency}`;
  if (t.amount > outstandingOf(invoice)) return `the amount ${t.amount} exceeds the outstanding ${outstandingOf(invoice)}`;
  return undefined;
}

/**
 * Stores a matched transaction with its payment, or, when the invoice no longer expects
 * exactly this amount on a fresh read, as unmatched with the invoice as a suggestion.
 */
async function storeMatched(store: Store, actor: Actor, integrationStep: TxStep, draft: bank.BankTransaction, invoiceId: string): Promise<bank.BankTransaction> {
  return retryLostRaces(MAX_ATTEMPTS, exhausted, async () => {
    const invoice = await getDocument(store, actor.accountId, 'invoice', invoiceId, true);
    if (!invoice || refusalOf(draft, invoice) !== undefined || outstandingOf(invoice) !== draft.amount) {
      const unmatched: bank.BankTransaction = { ...draft, status: 'unmatched', candidates: [invoiceId] };
      await transact(store, [bank.bankTransactionPutStep(store, unmatched)]);
      return unmatched;
    }
    const payment = paymentOf(actor, draft, invoice, draft.createdAt);
    const paid = addAmounts(invoice.paid, draft.amount, 'amount');
    const matched: bank.BankTransaction = { ...draft, status: 'matched', invoiceId, invoiceNumber: invoice.number, paymentId: payment.paymentId };
    await transact(
      store,
      withActor(store, actor, [
        bank.bankTransactionPutStep(store, matched),
        ...paymentSteps(store, payment, invoice, { paid, status: statusAfterPayments(invoice.gross, paid) }, moved),
        integrationStep,
        auditOf(store, actor, 'bank-transaction.matched', null, matched, draft.createdAt),
      ]),
    );
    return matched;
  });
}

export async function importStatement(store: Store, actor: Actor, body: string): Promise<ImportResult> {
  const { format, statements } = parseStatement(body);
  const { integration, step: integrationStep } = await requireActiveIntegration(store, actor.accountId, 'bank-import');
  const importId = importIdOf(body);
  const earlier = await bank.getBankImport(store, actor.accountId, importId);
  if (earlier) return { import: earlier, created: false };

  const identified = identify(statements);
  const stored = await bank.storedTransactionIds(store, actor.accountId, identified.map((x) => x.id));
  const fresh = identified.filter((x) => !stored.has(x.id));
  const needsInvoices = fresh.some((x) => x.transaction.direction === 'credit' && !x.transaction.reversal);
  const open = needsInvoices ? await openInvoices(store, actor.accountId, actor.userId) : new Map<string, OpenInvoice>();
  const now = store.now().toISOString();
  const counts = { transactions: identified.length, new: 0, alreadyImported: identified.length - fresh.length, matched: 0, unmatched: 0, ambiguous: 0, outgoing: 0 };

  for (const { statement, transaction: t, id } of fresh) {
    const outcome = matchTransaction(t, [...open.values()]);
    const draft = transactionOf(actor, integration.integrationId, importId, format, statement.statementId, statement.account, t, id, now);
    try {
      let saved: bank.BankTransaction;
      if (outcome.status === 'matched') {
        saved = await storeMatched(store, actor, integrationStep, draft, outcome.invoiceId);
        if (saved.status === 'matched') {
          // A later line of the same file must not pay the same invoice again.
          const inv = open.get(outcome.invoiceId)!;
          open.set(outcome.invoiceId, { ...inv, outstanding: inv.outstanding - t.amount });
        }
      } else {
        saved = { ...draft, status: outcome.status, candidates: 'candidates' in outcome ? outcome.candidates : [] };
        await transact(store, [bank.bankTransactionPutStep(store, saved)]);
      }
      counts.new += 1;
      counts[saved.status as 'matched' | 'unmatched' | 'ambiguous' | 'outgoing'] += 1;
    } catch (e) {
      // A concurrent import of an overlapping statement stored it first: it is there once.
      if (!(e instanceof bank.AlreadyImported)) throw e;
      counts.alreadyImported += 1;
    }
  }

  const record: bank.BankImport = {
    importId,
    organizationId: actor.organizationId,
    accountId: actor.accountId,
    integrationId: integration.integrationId,
    format,
    statements: statements.map((s) => ({
      statementId: s.statementId,
      sequence: s.sequence,
      bankAccount: s.account,
      currency: s.currency,
      transactions: s.transactions.length,
    })),
    counts,
    importedBy: actor.userId,
    importedAt: now,
  };
  try {
    await transact(
      store,
      withActor(store, actor, [
        bank.bankImportPutStep(store, record),
        integrationStep,
        auditStep(
          store,
          auditEntry(actor, {
            action: 'bank-statement.imported',
            targetType: 'bank-statement',
            targetId: importId,
            before: null,
            after: { format, integrationId: integration.integrationId, statements: statements.length, ...counts },
          }),
          now,
        ),
      ]),
    );
  } catch (e) {
    if (!(e instanceof bank.AlreadyImported)) throw e;
    const other = await bank.getBankImport(store, actor.accountId, importId);
    if (other) return { import: other, created: false };
    throw e;
  }
  return { import: record, created: true };
}

function transactionOf(
  actor: Actor,
  integrationId: string,
  importId: string,
  format: bank.BankImport['format'],
  statementId: string,
  bankAccount: string,
  t: StatementTransaction,
  transactionId: string,
  now: string,
): bank.BankTransaction {
  return {
    transactionId,
    organizationId: actor.organizationId,
    accountId: actor.accountId,
    integrationId,
    importId,
    format,
    statementId,
    bankAccount,
    bookingDate: t.bookingDate,
    valueDate: t.valueDate,
    direction: t.direction,
    reversal: t.reversal,
    amount: t.amount,
    currency: t.currency,
    bankReference: t.bankReference,
    endToEndId: t.endToEndId,
    creditorReference: t.creditorReference,
    // Remittance text is the payer's: bounded so that one line can never fill an item.
    remittance: t.remittance.slice(0, 1000),
    counterpartyName: t.counterpartyName?.slice(0, 200),
    counterpartyAccount: t.counterpartyAccount?.slice(0, 64),
    status: 'unmatched',
    candidates: [],
    createdAt: now,
    version: 1,
  };
}

export const listTransactions = (store: Store, p: Principal, which: 'to-resolve' | 'all', page: Omit<PageRequest, 'boundTo'>): Promise<Page<bank.BankTransaction>> =>
  bank.listBankTransactions(store, p.accountId, which, { ...page, boundTo: p.userId });

export async function getTransaction(store: Store, p: Principal, transactionId: string): Promise<bank.BankTransaction> {
  const t = await bank.getBankTransaction(store, p.accountId, transactionId, true);
  if (!t) throw new NotFound('no such bank transaction in this account');
  return t;
}

export async function getImport(store: Store, p: Principal, importId: string): Promise<bank.BankImport> {
  const i = await bank.getBankImport(store, p.accountId, importId);
  if (!i) throw new NotFound('no such bank import in this account');
  return i;
}

export type ResolveInput = { action: 'assign'; invoiceId: string; version: number } | { action: 'dismiss'; version: number; note?: string | undefined };

/**
 * A person resolves a transaction that waited for one: assigning it to an invoice records
 * the payment (one transaction: the bank transaction's new status on its version, the
 * payment, the invoice on its version, the audit entry); dismissing it records why.
 */
export async function resolve(store: Store, actor: Actor, transactionId: string, input: ResolveInput): Promise<{ transaction: bank.BankTransaction; invoice?: Document }> {
  const { step: integrationStep } = await requireActiveIntegration(store, actor.accountId, 'bank-import');
  return retryLostRaces(MAX_ATTEMPTS, exhausted, async () => {
    const before = await getTransaction(store, actor, transactionId);
    if (before.version !== input.version) {
      throw new StaleVersion('the bank transaction changed since it was read', { extensions: { currentVersion: before.version } });
    }
    if (!bank.TO_RESOLVE.includes(before.status)) {
      throw new IllegalTransition(`a ${before.status} bank transaction is already settled`, { extensions: { from: before.status, to: input.action === 'assign' ? 'assigned' : 'dismissed' } });
    }
    const at = store.now().toISOString();
    if (input.action === 'dismiss') {
      const after: bank.BankTransaction = { ...before, status: 'dismissed', resolvedBy: actor.userId, resolvedAt: at, note: input.note };
      await transact(
        store,
        withActor(store, actor, [bank.bankTransactionResolveStep(store, before, after), integrationStep, auditOf(store, actor, 'bank-transaction.dismissed', before, after, at)]),
      );
      return { transaction: { ...after, version: before.version + 1 } };
    }
    if (before.direction !== 'credit' || before.reversal) {
      throw new Conflict('only incoming money can pay an invoice', { extensions: { reason: 'not-a-credit' } });
    }
    const invoice = await getDocument(store, actor.accountId, 'invoice', input.invoiceId, true);
    if (!invoice) throw new ValidationError('no such invoice in this account', { errors: [{ field: 'body.invoiceId', message: 'no such invoice' }] });
    const refusal = refusalOf(before, invoice);
    if (refusal !== undefined) throw new Conflict(refusal, { extensions: { reason: 'invoice-cannot-take-payment', outstanding: outstandingOf(invoice) } });
    const payment = paymentOf(actor, before, invoice, at);
    const paid = addAmounts(invoice.paid, before.amount, 'amount');
    const status = statusAfterPayments(invoice.gross, paid);
    const after: bank.BankTransaction = {
      ...before,
      status: 'assigned',
      invoiceId: invoice.documentId,
      invoiceNumber: invoice.number,
      paymentId: payment.paymentId,
      resolvedBy: actor.userId,
      resolvedAt: at,
    };
    await transact(
      store,
      withActor(store, actor, [
        bank.bankTransactionResolveStep(store, before, after),
        ...paymentSteps(store, payment, invoice, { paid, status }, moved),
        integrationStep,
        auditOf(store, actor, 'bank-transaction.assigned', before, after, at),
      ]),
    );
    return { transaction: { ...after, version: before.version + 1 }, invoice: { ...invoice, paid, status, version: invoice.version + 1 } };
  });
}
