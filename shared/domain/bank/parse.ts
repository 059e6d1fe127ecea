import { parseCamt053 } from './camt053.js';
import { parseMt940 } from './mt940.js';
import { statementError, type BankStatement, type StatementFormat } from './statement.js';

/**
 * Reads an uploaded statement in whichever format it is: XML is CAMT.053, anything else
 * MT940. The content type is a hint the body must agree with (an XML body sent as
 * text/plain is still XML), so a client's wrong header never makes a valid file fail.
 */
export function parseStatement(body: string): { format: StatementFormat; statements: BankStatement[] } {
  const text = body.replace(/^\uFEFF/, '');
  if (text.trim() === '') throw statementError(1, 'body', 'the statement is empty');
  if (text.trimStart().startsWith('<')) return { format: 'camt053', statements: parseCamt053(text) };
  return { format: 'mt940', statements: parseMt940(text) };
}
