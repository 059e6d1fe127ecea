/*
 * Every DynamoDB key of Kontor is built here and nowhere else; docs/data-model.md documents
 * each one with the access pattern it serves. Id segments are URI-encoded so that an id
 * from an identity provider containing '#' can never forge another entity's key.
 */
export interface Key {
  pk: string;
  sk: string;
}

const seg = (value: string): string => encodeURIComponent(value);

// --- invoicing (issue 5) ---------------------------------------------------------------
/*
 * Each invoicing collection of an account has its own partition (`ACCOUNT#<id>#DOCS`,
 * `#CLIENTS`, `#ITEMS`, `#PAYMENTS`), so a list Query reads only that collection and a
 * cursor (bound to its partition) can never be replayed against another one. The issue
 * date leads the index sort keys, so a period is a key range (reports, period lists).
 */
type DocKind = 'invoice' | 'estimate' | 'expense' | 'time-entry';
const docs = (accountId: string) => `ACCOUNT#${seg(accountId)}#DOCS`;

export const invoicingKeys = {
  /** A document (any kind); its number counter lives in the same partition. */
  document: (accountId: string, kind: DocKind, documentId: string): Key => ({
    pk: docs(accountId),
    sk: `DOC#${kind}#${seg(documentId)}`,
  }),
  /** The last number given to a kind of document in an account (the gapless sequence). */
  documentCounter: (accountId: string, kind: DocKind): Key => ({ pk: docs(accountId), sk: `COUNTER#${kind}` }),
  /** gsi1: documents of a kind in an account by issue date (lists, reports, exports for scope "all"). */
  documentsOfAccount: (accountId: string, kind: DocKind) => ({ gsi1pk: `${docs(accountId)}#${kind}` }),
  documentInAccount: (accountId: string, kind: DocKind, issueDate: string, documentId: string) => ({
    gsi1pk: `${docs(accountId)}#${kind}`,
    gsi1sk: `${issueDate}#${seg(documentId)}`,
  }),
  /** gsi2: documents of a kind created by one member, by issue date (scope "own"). */
  documentsOfCreator: (accountId: string, userId: string, kind: DocKind) => ({
    gsi2pk: `ACCOUNT#${seg(accountId)}#CREATOR#${seg(userId)}#DOCS#${kind}`,
  }),
  documentOfCreator: (accountId: string, userId: string, kind: DocKind, issueDate: string, documentId: string) => ({
    gsi2pk: `ACCOUNT#${seg(accountId)}#CREATOR#${seg(userId)}#DOCS#${kind}`,
    gsi2sk: `${issueDate}#${seg(documentId)}`,
  }),
  /** Bounds of an issue-date range on gsi1sk / gsi2sk: `from#` .. `to#~` covers whole days. */
  issueDateRange: (from: string, to: string) => ({ start: `${from}#`, end: `${to}#~` }),

  client: (accountId: string, clientId: string): Key => ({ pk: `ACCOUNT#${seg(accountId)}#CLIENTS`, sk: `CLIENT#${seg(clientId)}` }),
  clients: (accountId: string) => ({ pk: `ACCOUNT#${seg(accountId)}#CLIENTS`, skPrefix: 'CLIENT#' }),
  item: (accountId: string, itemId: string): Key => ({ pk: `ACCOUNT#${seg(accountId)}#ITEMS`, sk: `ITEM#${seg(itemId)}` }),
  items: (accountId: string) => ({ pk: `ACCOUNT#${seg(accountId)}#ITEMS`, skPrefix: 'ITEM#' }),

  /** A payment; ids are ULIDs, so the partition lists payments in the order they were recorded. */
  payment: (accountId: string, paymentId: string): Key => ({
    pk: `ACCOUNT#${seg(accountId)}#PAYMENTS`,
    sk: `PAYMENT#${seg(paymentId)}`,
  }),
  payments: (accountId: string) => ({ pk: `ACCOUNT#${seg(accountId)}#PAYMENTS`, skPrefix: 'PAYMENT#' }),
  /** gsi2: payments on the invoices one member created (scope "own" of payments.view). */
  paymentsOfCreator: (accountId: string, invoiceCreatorId: string) => ({
    gsi2pk: `ACCOUNT#${seg(accountId)}#CREATOR#${seg(invoiceCreatorId)}#PAYMENTS`,
  }),
  paymentOfCreator: (accountId: string, invoiceCreatorId: string, paymentId: string) => ({
    gsi2pk: `ACCOUNT#${seg(accountId)}#CREATOR#${seg(invoiceCreatorId)}#PAYMENTS`,
    gsi2sk: `PAYMENT#${seg(paymentId)}`,
  }),

  /** One settings section of an account: business, payment-methods or other. */
  settings: (accountId: string, section: string): Key => ({ pk: `ACCOUNT#${seg(accountId)}`, sk: `SETTINGS#${section}` }),
} as const;
// --- end invoicing (issue 5) -----------------------------------------------------------
