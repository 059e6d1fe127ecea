import * as z from 'zod';
import { UNSAFE_IN_LINE, UNSAFE_IN_TEXT } from '../domain/text.js';

/*
 * The one building block of free text in the contracts: every name, label, description and
 * note a client sends goes through `safeText`, so control characters, unpaired surrogates
 * and bidi controls (shared/domain/text.ts) are a 400 naming the field, never stored. Line
 * feeds only where a text has several lines (notes, descriptions, instructions).
 */
const ONE_LINE = 'must be one line of text: no control characters, line breaks, unpaired surrogates or bidi controls';
const LINES = 'must be text: no control characters other than line feeds, no unpaired surrogates or bidi controls';

/** Adds the check to a string schema, keeping its own bounds (trim, min, max). */
export const safeText = <T extends z.ZodType<string>>(schema: T, lines: 'single' | 'multi'): T =>
  lines === 'single'
    ? schema.refine((v) => !UNSAFE_IN_LINE.test(v), ONE_LINE)
    : schema.refine((v) => !UNSAFE_IN_TEXT.test(v), LINES);

/** A name or label: one line, trimmed, not empty. */
export const singleLine = (max: number) => safeText(z.string().trim().min(1).max(max), 'single');
/** Notes and other texts of several lines: line feeds allowed, may be empty. */
export const multiLine = (max: number) => safeText(z.string().max(max), 'multi');

/**
 * The highest version a change may be based on. Versions count changes from 1, so no
 * stored item comes near it; without a cap a client could send 2^53 - 1, which passes
 * `.int()`, and the change would compute `version + 1` = 2^53, a number the DynamoDB
 * marshaller refuses to write (an opaque 500 where a 400 or 409 belongs).
 */
export const MAX_VERSION = 2 ** 31 - 1;
const VERSION_TOO_HIGH = `no version is over ${MAX_VERSION}`;
/** The version a change is based on (optimistic locking): from 1, or from 0 where 0 means "never written". */
export const versionOf = (min: 0 | 1 = 1) => z.number().int().min(min).max(MAX_VERSION, VERSION_TOO_HIGH);
/** The same, from a query string (`?version=`). */
export const versionQueryOf = () => z.coerce.number().int().min(1).max(MAX_VERSION, VERSION_TOO_HIGH);
