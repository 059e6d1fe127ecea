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
