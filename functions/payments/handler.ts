import { createApiHandler, jsonResponse, parse, parseJsonBody, requirePrincipal } from '#shared/http/api.js';
import { documentClient, tableName } from '#shared/data/client.js';
import { accountPath, createPaymentBody, listCatalogQuery, paymentPath } from '#shared/contracts/invoicing.js';
import { decide, type Principal } from '#shared/authz/engine.js';
import { Conflict, Forbidden, IllegalTransition, ValidationError, StaleVersion } from '#shared/domain/errors.js';
import { ulid } from '#shared/domain/ids.js';
import { listScope, requireAllowed, requireVisible } from '#shared/domain/invoicing/access.js';
import { outstandingOf } from '#shared/domain/invoicing/documents.js';
import { addAmounts } from '#shared/domain/invoicing/money.js';
import { PAYABLE, statusAfterPayments } from '#shared/domain/invoicing/status.js';
import { documentView, paymentView } from '#shared/domain/invoicing/views.js';
import { getDocument } from '#shared/data/document-repository.js';
import { deletePayment, getPayment, InvoiceMoved, listPayments, recordPayment } from '#shared/data/payment-repository.js';
import type { DocumentItem } from '#shared/data/items.js';

/*
 * Payments against invoices. A payment belongs, for payments.view.own, to the creator of
 * its invoice: an Employee sees payments on their own invoices only, and records payments
 * only against invoices they can see (another member's invoice is "not found").
 * Recording re-reads and retries when the invoice moved in between (a concurrent payment):
 * the outstanding amount is checked again against the fresh invoice every time.
 */
const store = () => ({ db: documentClient(), table: tableName() });
const MAX_ATTEMPTS = 8;
const ownedInvoice = (d: DocumentItem | undefined) => d && { ...d, ownerId: d.createdBy };

async function visibleInvoice(p: Principal, invoiceId: string): Promise<DocumentItem> {
  const { ownerId: _o, ...invoice } = requireVisible(p, 'documents.view', ownedInvoice(await getDocument(store(), p.accountId, 'invoice', invoiceId, true)), 'invoice');
  return invoice;
}

export const handler = createApiHandler('payments', {
  listPayments: async (req) => {
    const p = requirePrincipal(req);
    parse('path', accountPath, req.pathParameters);
    const q = parse('query', listCatalogQuery, req.query);
    const scope = listScope(p, 'payments.view');
    const page = await listPayments(store(), { accountId: p.accountId, scope, userId: p.userId }, q);
    return jsonResponse(200, { items: page.items.map(paymentView), nextCursor: page.nextCursor });
  },

  createPayment: async (req) => {
    const p = requirePrincipal(req);
    parse('path', accountPath, req.pathParameters);
    const body = parseJsonBody(req, createPaymentBody);
    const d = decide(p, 'payments.create', { organizationId: p.organizationId, accountId: p.accountId });
    if (!d.allowed) throw new Forbidden(`you may not record payments (${d.reason})`);
    const paymentId = ulid();
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const invoice = await visibleInvoice(p, body.invoiceId);
      if (body.currency !== undefined && body.currency !== invoice.currency) {
        throw new ValidationError('currency mismatch', {
          errors: [{ field: 'body.currency', message: `the invoice is in ${invoice.currency}` }],
        });
      }
      if (!PAYABLE.includes(invoice.status)) {
        throw new IllegalTransition(`a ${invoice.status} invoice takes no payments; it must be issued`, {
          extensions: { from: invoice.status, to: 'paid' },
        });
      }
      const outstanding = outstandingOf(invoice);
      if (body.amount > outstanding) {
        throw new Conflict(`the payment of ${body.amount} exceeds the outstanding ${outstanding}`, { extensions: { outstanding } });
      }
      const paid = addAmounts(invoice.paid, body.amount, 'body.amount');
      const status = statusAfterPayments(invoice.gross, paid);
      const now = new Date().toISOString();
      try {
        const payment = await recordPayment(
          store(),
          invoice,
          {
            paymentId,
            organizationId: p.organizationId,
            accountId: p.accountId,
            invoiceId: invoice.documentId,
            invoiceNumber: invoice.number,
            invoiceCreatedBy: invoice.createdBy,
            amount: body.amount,
            currency: invoice.currency,
            paidAt: body.paidAt,
            method: body.method,
            reference: body.reference,
            createdBy: p.userId,
            createdAt: now,
          },
          { paid, status },
        );
        const after = { ...invoice, paid, status, version: invoice.version + 1 };
        return jsonResponse(201, {
          ...paymentView(payment),
          invoice: { id: invoice.documentId, status, paid, outstanding: documentView(after).totals.outstanding, version: after.version },
        });
      } catch (e) {
        if (!(e instanceof InvoiceMoved)) throw e;
      }
    }
    throw new StaleVersion('the invoice kept changing; retry the payment');
  },

  getPayment: async (req) => {
    const p = requirePrincipal(req);
    const { paymentId } = parse('path', paymentPath, req.pathParameters);
    const payment = await getPayment(store(), p.accountId, paymentId);
    const visible = requireVisible(p, 'payments.view', payment && { ...payment, ownerId: payment.invoiceCreatedBy }, 'payment');
    return jsonResponse(200, paymentView(visible));
  },

  deletePayment: async (req) => {
    const p = requirePrincipal(req);
    const { paymentId } = parse('path', paymentPath, req.pathParameters);
    const payment = await getPayment(store(), p.accountId, paymentId);
    requireAllowed(p, 'payments.view', 'payments.delete', payment && { ...payment, ownerId: payment.invoiceCreatedBy }, 'payment');
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const invoice = await getDocument(store(), p.accountId, 'invoice', payment!.invoiceId, true);
      if (!invoice) throw new Conflict('the invoice of this payment no longer exists');
      const paid = Math.max(0, invoice.paid - payment!.amount);
      try {
        await deletePayment(store(), payment!, invoice, { paid, status: statusAfterPayments(invoice.gross, paid) }, p.userId, new Date().toISOString());
        return { statusCode: 204, headers: {}, body: '' };
      } catch (e) {
        if (!(e instanceof InvoiceMoved)) throw e;
      }
    }
    throw new StaleVersion('the invoice kept changing; retry');
  },
});
