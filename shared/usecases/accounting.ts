import type { Principal } from '../authz/engine.js';
import type { Store } from '../data/context.js';
import { auditStep } from '../data/entities/audit.js';
import { forEachDocumentInPeriod, type Document } from '../data/entities/document.js';
import { forEachPaymentInPeriod, type Payment } from '../data/entities/payment.js';
import * as locks from '../data/entities/period-lock.js';
import type { Page, PageRequest } from '../data/paginator.js';
import { PeriodBooks } from '../domain/accounting/ledger.js';
import { periodBounds } from '../domain/accounting/period.js';
import { auditEntry } from '../domain/audit.js';
import { Conflict } from '../domain/errors.js';

/*
 * Accounting (SPEC 2.2 "accounting", SPEC 4.2 Backoffice): the books of a month derived
 * from the account's documents and payments, and the month's lock. The route's action
 * (accounting.view / accounting.edit) is the whole decision: the area is account-wide, so
 * the books count every document of the account whoever created it.
 *
 * Closing a month locks what is dated in it (documents by issue date, payments by payment
 * date): the guard is a ConditionCheck on the lock inside each document or payment write
 * (shared/data/entities/period-lock.ts). Closing and reopening are audited in the same
 * transaction as the lock's change.
 */
export interface PeriodState {
  period: string;
  from: string;
  to: string;
  status: 'open' | 'closed';
  lock: locks.PeriodLock | undefined;
}

const stateOf = (period: string, lock: locks.PeriodLock | undefined): PeriodState => ({
  period,
  ...periodBounds(period),
  status: lock?.status ?? 'open',
  lock,
});

export async function getPeriod(store: Store, p: Principal, period: string): Promise<PeriodState> {
  periodBounds(period);
  return stateOf(period, await locks.getPeriodLock(store, p.accountId, period));
}

/** Periods that were closed at some time (open ones that never were are not listed). */
export const listPeriods = (store: Store, p: Principal, page: Omit<PageRequest, 'boundTo'>): Promise<Page<locks.PeriodLock>> =>
  locks.listPeriodLocks(store, p.accountId, { ...page, boundTo: p.userId });

export async function closePeriod(store: Store, p: Principal, period: string): Promise<PeriodState> {
  periodBounds(period);
  const read = await locks.getPeriodLock(store, p.accountId, period, true);
  if (read?.status === 'closed') {
    throw new Conflict(`the period ${period} is already closed`, { extensions: { period, closedBy: read.closedBy, closedAt: read.closedAt } });
  }
  const at = store.now().toISOString();
  const next: locks.PeriodLock = {
    organizationId: p.organizationId,
    accountId: p.accountId,
    period,
    status: 'closed',
    closedBy: p.userId,
    closedAt: at,
    version: (read?.version ?? 0) + 1,
  };
  const audit = auditEntry(p, {
    action: 'period.closed',
    targetType: 'period',
    targetId: `${p.accountId}#${period}`,
    before: { status: read?.status ?? 'open' },
    after: { status: 'closed' },
  });
  await locks.writePeriodLock(store, read, next, auditStep(store, audit, at));
  return stateOf(period, next);
}

export async function reopenPeriod(store: Store, p: Principal, period: string): Promise<PeriodState> {
  periodBounds(period);
  const read = await locks.getPeriodLock(store, p.accountId, period, true);
  if (read?.status !== 'closed') throw new Conflict(`the period ${period} is not closed`, { extensions: { period } });
  const at = store.now().toISOString();
  const next: locks.PeriodLock = { ...read, status: 'open', reopenedBy: p.userId, reopenedAt: at, version: read.version + 1 };
  const audit = auditEntry(p, {
    action: 'period.reopened',
    targetType: 'period',
    targetId: `${p.accountId}#${period}`,
    before: { status: 'closed', closedBy: read.closedBy, closedAt: read.closedAt },
    after: { status: 'open' },
  });
  await locks.writePeriodLock(store, read, next, auditStep(store, audit, at));
  return stateOf(period, next);
}

/** What a reader of a period is handed: each item once, in no particular order. */
export interface PeriodVisitor {
  invoice?: (d: Document) => void;
  expense?: (d: Document) => void;
  payment?: (x: Payment) => void;
}

/**
 * The one way a period is read: its lock, and the documents of the kinds asked for (key
 * range on the issue date) and its payments (key range on the payment date), every item
 * read once and handed to the visitor, none kept here. The books and the exports build on it.
 */
export async function readPeriod(store: Store, p: Principal, period: string, visit: PeriodVisitor): Promise<{ state: PeriodState; itemsRead: number }> {
  const { from, to } = periodBounds(period);
  const q = { accountId: p.accountId, scope: 'all' as const, userId: p.userId, from, to };
  const none = Promise.resolve({ itemsRead: 0 });
  const [lock, invoices, expenses, payments] = await Promise.all([
    locks.getPeriodLock(store, p.accountId, period),
    visit.invoice ? forEachDocumentInPeriod(store, { ...q, kind: 'invoice' }, visit.invoice) : none,
    visit.expense ? forEachDocumentInPeriod(store, { ...q, kind: 'expense' }, visit.expense) : none,
    visit.payment ? forEachPaymentInPeriod(store, { accountId: p.accountId, from, to }, visit.payment) : none,
  ]);
  return { state: stateOf(period, lock), itemsRead: invoices.itemsRead + expenses.itemsRead + payments.itemsRead };
}

/** The books of a period: its invoices, expenses and payments (readPeriod), each read once. */
export async function books(store: Store, p: Principal, period: string): Promise<{ state: PeriodState; books: PeriodBooks; itemsRead: number }> {
  const out = new PeriodBooks(period);
  const add = (d: Document) => out.addDocument(d);
  const read = await readPeriod(store, p, period, { invoice: add, expense: add, payment: (x) => out.addPayment(x) });
  return { ...read, books: out };
}
