import { describe, expect, it } from 'vitest';
import {
  assertDatesInOrder,
  assertManualTransition,
  DOCUMENT_STATUSES,
  isDeletable,
  isIsoDate,
  statusAfterPayments,
  type DocumentStatus,
} from '#shared/domain/invoicing/status.js';
import type { ValidationError } from '#shared/domain/errors.js';
import { IllegalTransition } from '#shared/domain/errors.js';

describe('the document status machine', () => {
  const allowed: Array<[DocumentStatus, DocumentStatus]> = [
    ['draft', 'issued'],
    ['draft', 'cancelled'],
    ['issued', 'cancelled'],
  ];
  const pairs = DOCUMENT_STATUSES.flatMap((from) => DOCUMENT_STATUSES.filter((to) => to !== from).map((to) => [from, to] as [DocumentStatus, DocumentStatus]));

  it.each(pairs)('from %s to %s by hand: allowed only along draft -> issued -> cancelled', (from, to) => {
    const ok = allowed.some(([f, t]) => f === from && t === to);
    if (ok) expect(() => assertManualTransition(from, to)).not.toThrow();
    else expect(() => assertManualTransition(from, to)).toThrow(IllegalTransition);
  });

  it('explains why paid cannot be set by hand', () => {
    try {
      assertManualTransition('issued', 'paid');
      expect.unreachable();
    } catch (e) {
      expect((e as IllegalTransition).message).toMatch(/follows the payments/);
      expect((e as IllegalTransition).extensions).toEqual({ from: 'issued', to: 'paid' });
    }
  });

  it('derives the status from the payments: none, part, all', () => {
    expect([statusAfterPayments(100, 0), statusAfterPayments(100, 1), statusAfterPayments(100, 100)]).toEqual(['issued', 'partially-paid', 'paid']);
  });

  it('deletes only drafts, which carry no number', () => {
    expect(DOCUMENT_STATUSES.filter(isDeletable)).toEqual(['draft']);
  });
});

describe('dates', () => {
  it('accepts real calendar dates only', () => {
    expect(['2026-02-28', '2024-02-29', '2026-12-31'].every(isIsoDate)).toBe(true);
    expect(['2026-02-29', '2026-13-01', '2026-1-1', '26-01-01', '2026-01-01T00:00:00Z'].some(isIsoDate)).toBe(false);
  });

  it('refuses a due date before the issue date, naming the field', () => {
    expect(() => assertDatesInOrder('2026-03-10', '2026-03-10')).not.toThrow();
    expect(() => assertDatesInOrder('2026-03-10', undefined)).not.toThrow();
    try {
      assertDatesInOrder('2026-03-10', '2026-03-09');
      expect.unreachable();
    } catch (e) {
      expect((e as ValidationError).errors?.[0]?.field).toBe('body.dueDate');
    }
  });
});
