/*
 * Characters that have no place in the free text people type (names, descriptions, notes):
 * they cannot be seen, yet change what is stored, logged or exported.
 *   - C0 controls, DEL and C1 controls: NUL truncates in C-based tools, CR/LF split log and
 *     CSV lines, ESC drives terminals;
 *   - unpaired UTF-16 surrogates: not text at all, and invalid once encoded as UTF-8;
 *   - bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): they reorder
 *     what a reader sees ("Trojan Source"), so a name can display as another.
 * The contracts refuse them on input (shared/contracts/text.ts); CSV exports replace them in
 * values stored before that (shared/domain/invoicing/csv.ts).
 */
const LONE_SURROGATE = '[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]';
const BIDI_CONTROLS = '\\u202a-\\u202e\\u2066-\\u2069';

/** Not allowed in one line of text: every control character, line breaks included. */
export const UNSAFE_IN_LINE = new RegExp(`[\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029${BIDI_CONTROLS}]|${LONE_SURROGATE}`);
/** Not allowed in text of several lines: the same, but a line feed is allowed. */
export const UNSAFE_IN_TEXT = new RegExp(`[\\u0000-\\u0009\\u000b-\\u001f\\u007f-\\u009f${BIDI_CONTROLS}]|${LONE_SURROGATE}`);
/**
 * What a CSV cell must not carry: as UNSAFE_IN_TEXT, but TAB, CR and LF stay, since a quoted
 * cell holds them as they are (RFC 4180).
 */
export const UNSAFE_IN_CSV = new RegExp(
  `[\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f${BIDI_CONTROLS}]|${LONE_SURROGATE}`,
  'g',
);
