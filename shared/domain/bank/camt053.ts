import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { isCurrency } from '../invoicing/currency.js';
import { parseAmount, reference, statementError, type BankStatement, type StatementTransaction } from './statement.js';

/*
 * ISO 20022 camt.053 (BankToCustomerStatement), versions .001.02 to .001.13: the element
 * paths Kontor reads are the same in all of them (Document/BkToCstmrStmt/Stmt/Ntry...).
 * Only booked entries (Sts BOOK; .02 writes `<Sts>BOOK</Sts>`, .08+ `<Sts><Cd>BOOK</Cd></Sts>`)
 * are transactions; pending and information-only entries are not money yet.
 *
 * Safety: a statement never needs a DTD, so any `<!DOCTYPE` or `<!ENTITY` is refused
 * before parsing: no external entity is ever resolved (XXE) and no entity is ever expanded
 * (billion laughs). The body is already at most 1 MiB (the API's limit); the parser is
 * fast-xml-parser, which builds plain objects and never fetches anything.
 */

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  // Only the five XML entities (&amp; &lt; ...); a DOCTYPE was refused before this runs.
  processEntities: true,
  htmlEntities: false,
  isArray: (name) => ['Stmt', 'Ntry', 'TxDtls', 'Ustrd', 'Strd', 'Bal', 'NtryDtls'].includes(name),
});

type Node = Record<string, unknown>;
const obj = (v: unknown): Node | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Node) : undefined);
const arr = (v: unknown): Node[] => (Array.isArray(v) ? v.map(obj).filter((x): x is Node => x !== undefined) : obj(v) ? [obj(v)!] : []);
const text = (v: unknown): string | undefined => {
  if (typeof v === 'string') return v;
  const o = obj(v);
  return o && typeof o['#text'] === 'string' ? o['#text'] : undefined;
};
const at = (v: unknown, ...path: string[]): unknown => path.reduce<unknown>((node, key) => obj(node)?.[key], v);

/** Line numbers of each `<Ntry>` and `<Stmt>` start, in document order, for errors naming a line. */
function linesOf(xml: string, tag: string): number[] {
  const out: number[] = [];
  const re = new RegExp(`<(?:[A-Za-z0-9_]+:)?${tag}[\\s>]`, 'g');
  for (const m of xml.matchAll(re)) out.push(xml.slice(0, m.index).split('\n').length);
  return out;
}

function refuseDtd(xml: string): void {
  const m = /<!(DOCTYPE|ENTITY)/i.exec(xml);
  if (m) {
    const line = xml.slice(0, m.index).split('\n').length;
    throw statementError(line, m[1]!.toUpperCase(), 'a statement may not declare a DTD or entities');
  }
}

function dateOf(node: unknown): string | undefined {
  const d = text(at(node, 'Dt')) ?? text(at(node, 'DtTm'));
  if (!d) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})/.exec(d);
  return m ? m[1] : undefined;
}

function amountOf(node: unknown, line: number, field: string): { amount: number; currency: string } {
  const ccy = text(at(node, '@Ccy'));
  const value = text(node);
  if (!ccy || !isCurrency(ccy)) throw statementError(line, `${field}@Ccy`, `missing or unknown currency ${ccy ?? ''}`.trim());
  if (value === undefined) throw statementError(line, field, 'missing amount');
  const amount = parseAmount(value, ccy, '.');
  if (typeof amount === 'string') throw statementError(line, field, amount);
  return { amount, currency: ccy };
}

function accountOf(stmt: Node, line: number): string {
  const id = at(stmt, 'Acct', 'Id');
  const account = text(at(id, 'IBAN')) ?? text(at(id, 'Othr', 'Id'));
  if (!account) throw statementError(line, 'Stmt/Acct/Id', 'the statement names no account (IBAN or Othr/Id)');
  return account;
}

function balance(stmt: Node, codes: string[], line: number): { amount: number; date: string; currency: string } | undefined {
  const bal = arr(stmt.Bal).find((b) => codes.includes(text(at(b, 'Tp', 'CdOrPrtry', 'Cd')) ?? ''));
  if (!bal) return undefined;
  const { amount, currency } = amountOf(bal.Amt, line, 'Bal/Amt');
  const sign = text(bal.CdtDbtInd) === 'DBIT' ? -1 : 1;
  return { amount: sign * amount, date: dateOf(bal.Dt) ?? '', currency };
}

function entryOf(ntry: Node, line: number): StatementTransaction | undefined {
  const status = text(ntry.Sts) ?? text(at(ntry, 'Sts', 'Cd'));
  if (status !== undefined && status !== 'BOOK') return undefined;
  const { amount, currency } = amountOf(ntry.Amt, line, 'Ntry/Amt');
  const indicator = text(ntry.CdtDbtInd);
  if (indicator !== 'CRDT' && indicator !== 'DBIT') throw statementError(line, 'Ntry/CdtDbtInd', 'must be CRDT or DBIT');
  const bookingDate = dateOf(ntry.BookgDt);
  if (!bookingDate) throw statementError(line, 'Ntry/BookgDt', 'missing or not a date');
  const valueDate = dateOf(ntry.ValDt) ?? bookingDate;
  const details = arr(ntry.NtryDtls).flatMap((d) => arr(d.TxDtls));
  const tx = details[0];
  const unstructured = details.flatMap((d) => {
    const rmt = obj(d.RmtInf);
    const list = rmt?.Ustrd;
    return (Array.isArray(list) ? list : list === undefined ? [] : [list]).map((u) => text(u) ?? '').filter(Boolean);
  });
  const creditorRefs = details.flatMap((d) => arr(at(d, 'RmtInf', 'Strd')).map((s) => text(at(s, 'CdtrRefInf', 'Ref'))).filter((r): r is string => !!r));
  const parties = obj(tx?.RltdPties);
  const counterparty = indicator === 'CRDT' ? 'Dbtr' : 'Cdtr';
  // .02 puts the name right under Dbtr/Cdtr; .08 under Dbtr/Pty.
  const name = text(at(parties, counterparty, 'Nm')) ?? text(at(parties, counterparty, 'Pty', 'Nm'));
  const acct = at(parties, `${counterparty}Acct`, 'Id');
  return {
    bookingDate,
    valueDate,
    direction: indicator === 'CRDT' ? 'credit' : 'debit',
    reversal: text(ntry.RvslInd) === 'true',
    amount,
    currency,
    bankReference: reference(text(ntry.AcctSvcrRef) ?? text(at(tx, 'Refs', 'AcctSvcrRef'))),
    endToEndId: reference(text(at(tx, 'Refs', 'EndToEndId'))),
    creditorReference: creditorRefs[0],
    remittance: [...unstructured, ...(unstructured.length === 0 ? creditorRefs : [])].join(' ').trim() || (text(ntry.AddtlNtryInf) ?? ''),
    counterpartyName: name,
    counterpartyAccount: text(at(acct, 'IBAN')) ?? text(at(acct, 'Othr', 'Id')),
    line,
  };
}

export function parseCamt053(xml: string): BankStatement[] {
  refuseDtd(xml);
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw statementError(valid.err.line, 'XML', valid.err.msg);
  const doc = parser.parse(xml) as Node;
  const root = obj(at(doc, 'Document', 'BkToCstmrStmt'));
  if (!root) throw statementError(1, 'Document/BkToCstmrStmt', 'not a camt.053 statement (no BkToCstmrStmt)');
  const stmts = arr(root.Stmt);
  if (stmts.length === 0) throw statementError(1, 'BkToCstmrStmt/Stmt', 'the document holds no statement');
  const stmtLines = linesOf(xml, 'Stmt');
  const ntryLines = linesOf(xml, 'Ntry');
  let entryIndex = 0;
  return stmts.map((stmt, i) => {
    const line = stmtLines[i] ?? 1;
    const id = text(stmt.Id);
    if (!id) throw statementError(line, 'Stmt/Id', 'the statement has no id');
    const account = accountOf(stmt, line);
    const opening = balance(stmt, ['OPBD', 'PRCD'], line);
    const closing = balance(stmt, ['CLBD'], line);
    const transactions = arr(stmt.Ntry).flatMap((ntry) => {
      const entryLine = ntryLines[entryIndex++] ?? line;
      const t = entryOf(ntry, entryLine);
      return t ? [t] : [];
    });
    const currency = text(at(stmt, 'Acct', 'Ccy')) ?? opening?.currency ?? transactions[0]?.currency ?? closing?.currency;
    if (!currency) throw statementError(line, 'Stmt/Acct/Ccy', 'the statement names no currency');
    return {
      format: 'camt053' as const,
      statementId: id,
      sequence: text(stmt.ElctrncSeqNb) ?? text(stmt.LglSeqNb),
      account,
      currency,
      openingBalance: opening && { amount: opening.amount, date: opening.date },
      closingBalance: closing && { amount: closing.amount, date: closing.date },
      transactions,
    };
  });
}
