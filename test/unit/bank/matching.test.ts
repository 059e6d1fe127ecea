import { describe, expect, it } from 'vitest';
import { matchTransaction, numberPattern, type OpenInvoice } from '../../../shared/domain/bank/matching.js';
import type { StatementTransaction } from '../../../shared/domain/bank/statement.js';

const tx = (over: Partial<StatementTransaction> = {}): StatementTransaction => ({
  bookingDate: '2026-03-05',
  valueDate: '2026-03-05',
  direction: 'credit',
  reversal: false,
  amount: 12_300,
  currency: 'EUR',
  remittance: '',
  line: 1,
  ...over,
});
const inv = (documentId: string, number: string, outstanding = 12_300, currency = 'EUR'): OpenInvoice => ({ documentId, number, outstanding, currency });

describe('matching a bank transaction to open invoices', () => {
  it('finds an invoice number written with other separators, but not inside a longer number', () => {
    const p = numberPattern('INV-000042');
    for (const text of ['INV-000042', 'inv 000042', 'Payment INV000042.', 'INV/000042', '(INV-000042)']) expect(p.test(text)).toBe(true);
    for (const text of ['INV-0000421', 'XINV-000042', 'INV-00004']) expect(p.test(text)).toBe(false);
  });

  it('pays only when exactly one named invoice expects exactly the amount, in the same currency', () => {
    const invoices = [inv('a', 'INV-000001'), inv('b', 'INV-000002'), inv('c', 'INV-000003', 12_300, 'PLN')];
    expect(matchTransaction(tx({ remittance: 'INV-000001' }), invoices)).toEqual({ status: 'matched', invoiceId: 'a' });
    expect(matchTransaction(tx({ endToEndId: 'INV-000002' }), invoices)).toEqual({ status: 'matched', invoiceId: 'b' });
    expect(matchTransaction(tx({ remittance: 'INV-000001 INV-000002' }), invoices)).toEqual({ status: 'ambiguous', candidates: ['a', 'b'] });
    expect(matchTransaction(tx({ remittance: 'INV-000003' }), invoices)).toEqual({ status: 'ambiguous', candidates: ['a', 'b'] });
    expect(matchTransaction(tx({ remittance: 'INV-000001', amount: 100 }), invoices)).toEqual({ status: 'unmatched', candidates: ['a'] });
  });

  it('never pays on the amount alone, and never from a debit or a reversal', () => {
    expect(matchTransaction(tx({ remittance: 'thanks' }), [inv('a', 'INV-000001')])).toEqual({ status: 'unmatched', candidates: ['a'] });
    expect(matchTransaction(tx({ remittance: 'thanks' }), [inv('a', 'INV-000001'), inv('b', 'INV-000002')])).toEqual({ status: 'ambiguous', candidates: ['a', 'b'] });
    expect(matchTransaction(tx({ remittance: 'INV-000001', direction: 'debit' }), [inv('a', 'INV-000001')])).toEqual({ status: 'outgoing' });
    expect(matchTransaction(tx({ remittance: 'INV-000001', reversal: true }), [inv('a', 'INV-000001')])).toEqual({ status: 'outgoing' });
  });
});
