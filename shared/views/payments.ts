import type * as z from 'zod';
import type { createPaymentResponse, paymentResponse } from '../contracts/invoicing.js';
import type { Document } from '../data/entities/document.js';
import type { Payment } from '../data/entities/payment.js';
import { outstandingOf } from '../domain/invoicing/documents.js';

/* Payments as the API shows them: typed by the contract, so the view cannot drift from it. */
export const paymentView = (p: Payment): z.output<typeof paymentResponse> => ({
  id: p.paymentId,
  invoiceId: p.invoiceId,
  invoiceNumber: p.invoiceNumber ?? null,
  amount: p.amount,
  currency: p.currency,
  paidAt: p.paidAt,
  method: p.method ?? null,
  reference: p.reference ?? null,
  createdBy: p.createdBy,
  createdAt: p.createdAt,
});

/** A recorded payment with the invoice as the payment left it. */
export const recordedPaymentView = ({ payment, invoice }: { payment: Payment; invoice: Document }): z.output<typeof createPaymentResponse> => ({
  ...paymentView(payment),
  invoice: { id: invoice.documentId, status: invoice.status, paid: invoice.paid, outstanding: outstandingOf(invoice), version: invoice.version },
});
