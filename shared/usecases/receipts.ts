import { createHash, randomBytes } from 'node:crypto';
import type { Principal } from '../authz/engine.js';
import type { Store } from '../data/context.js';
import { transact, type TxStep } from '../data/dynamo.js';
import { getAccount } from '../data/entities/account.js';
import { auditStep } from '../data/entities/audit.js';
import { documentKeys, getDocument, type Document } from '../data/entities/document.js';
import { getIntegration } from '../data/entities/integration.js';
import { withActor, type Actor } from '../data/entities/membership.js';
import * as receipts from '../data/entities/receipt.js';
import type { Page, PageRequest } from '../data/paginator.js';
import { auditEntry } from '../domain/audit.js';
import { Conflict, NotFound, ValidationError } from '../domain/errors.js';
import { ulid } from '../domain/ids.js';
import { requireActiveIntegration } from './active-integration.js';

/*
 * E-receipts (SPEC 2.3): a receipt for a paid invoice, fetchable by the buyer through an
 * unguessable link without a login, revocable.
 *
 * The link's secret is 32 bytes from the CSPRNG (256 bits), shown once when the receipt is
 * issued; only its SHA-256 is stored. Guessing: with 2^256 possible tokens and even 2^40
 * receipts in existence, a guess hits one with probability 2^-216; at API Gateway's whole
 * account limit (10,000 requests/s, ~2^38 a year) that is never. A token needs no slow hash
 * for the same reason (a password does, because it is low-entropy).
 *
 * Issuing needs an active e-receipts integration and integrations.manage; the public
 * route serves a receipt only while it is active and its integration is; revoking works
 * whatever the integration's state (a link must always be revocable).
 */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;
export const tokenHashOf = (token: string): string => createHash('sha256').update(token).digest('hex');

const gone = () => new NotFound('no such receipt');

/** The invoice still at the version (and so the status and amounts) the receipt copied. */
const invoiceUnchangedStep = (store: Store, invoice: Document): TxStep => ({
  item: {
    ConditionCheck: {
      TableName: store.table,
      Key: documentKeys.document(invoice.accountId, 'invoice', invoice.documentId),
      ConditionExpression: '#version = :v',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':v': invoice.version },
    },
  },
  onConditionFailed: () => new Conflict('the invoice changed while the receipt was being issued; retry'),
});

export async function issue(store: Store, actor: Actor, invoiceId: string): Promise<{ receipt: receipts.Receipt; token: string }> {
  const { integration, step: integrationStep } = await requireActiveIntegration(store, actor.accountId, 'e-receipts');
  const invoice = await getDocument(store, actor.accountId, 'invoice', invoiceId, true);
  if (!invoice) throw new ValidationError('no such invoice in this account', { errors: [{ field: 'body.invoiceId', message: 'no such invoice' }] });
  if (invoice.status !== 'paid' || invoice.number === undefined) {
    throw new Conflict(`a receipt is for a paid invoice; this one is ${invoice.status}`, { extensions: { reason: 'invoice-not-paid', status: invoice.status } });
  }
  const account = await getAccount(store, actor.accountId);
  const token = randomBytes(32).toString('base64url');
  const at = store.now().toISOString();
  const receipt: receipts.Receipt = {
    receiptId: ulid(),
    tokenHash: tokenHashOf(token),
    organizationId: actor.organizationId,
    accountId: actor.accountId,
    integrationId: integration.integrationId,
    invoiceId: invoice.documentId,
    invoiceNumber: invoice.number,
    status: 'active',
    seller: account?.name ?? '',
    buyer: invoice.clientName,
    issueDate: invoice.issueDate,
    currency: invoice.currency,
    lines: invoice.lines,
    net: invoice.net,
    vat: invoice.vat,
    gross: invoice.gross,
    paid: invoice.paid,
    issuedBy: actor.userId,
    issuedAt: at,
    version: 1,
  };
  await transact(
    store,
    withActor(store, actor, [
      receipts.receiptPutStep(store, receipt),
      invoiceUnchangedStep(store, invoice),
      integrationStep,
      auditStep(
        store,
        auditEntry(actor, {
          action: 'receipt.issued',
          targetType: 'receipt',
          targetId: receipt.receiptId,
          before: null,
          after: { invoiceId: invoice.documentId, invoiceNumber: invoice.number, integrationId: integration.integrationId },
        }),
        at,
      ),
    ]),
  );
  return { receipt, token };
}

export const list = (store: Store, p: Principal, page: Omit<PageRequest, 'boundTo'>): Promise<Page<receipts.Receipt>> =>
  receipts.listReceipts(store, p.accountId, { ...page, boundTo: p.userId });

export async function revoke(store: Store, actor: Actor, receiptId: string): Promise<void> {
  const found = await receipts.findReceipt(store, actor.accountId, receiptId);
  if (!found) throw gone();
  if (found.status === 'revoked') return; // revoking twice leaves it revoked: DELETE is idempotent
  const at = store.now().toISOString();
  await transact(
    store,
    withActor(store, actor, [
      receipts.receiptRevokeStep(store, found, actor.userId, at),
      auditStep(
        store,
        auditEntry(actor, { action: 'receipt.revoked', targetType: 'receipt', targetId: receiptId, before: { status: 'active' }, after: { status: 'revoked' } }),
        at,
      ),
    ]),
  );
}

/**
 * The public read: a receipt by its link. Every failure is the same 404 (a malformed
 * token, an unknown one, a revoked receipt, an inactive integration), so the answer says
 * nothing about which tokens or receipts exist.
 */
export async function fetchByToken(store: Store, token: string): Promise<receipts.Receipt> {
  if (!TOKEN.test(token)) throw gone();
  const receipt = await receipts.getReceiptByTokenHash(store, tokenHashOf(token));
  if (!receipt || receipt.status !== 'active') throw gone();
  const integration = await getIntegration(store, receipt.integrationId, false);
  if (!integration || integration.status !== 'active' || integration.accountId !== receipt.accountId) throw gone();
  return receipt;
}
