import { describe, expect, it } from 'vitest';
import { mergeEnvironment } from '../../infra/constructs/kontor-function.js';

describe('a function environment', () => {
  const defaults = { NODE_OPTIONS: '--enable-source-maps' };

  it('when the caller adds variables, it keeps the defaults next to them', () => {
    expect(mergeEnvironment(defaults, { TABLE_NAME: 't', JWT_ISSUER: 'https://i/' })).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      TABLE_NAME: 't',
      JWT_ISSUER: 'https://i/',
    });
  });

  it('when the caller sets NODE_OPTIONS, it combines the flags instead of dropping source maps', () => {
    expect(mergeEnvironment(defaults, { NODE_OPTIONS: '--max-old-space-size=256 --enable-source-maps' }).NODE_OPTIONS).toBe(
      '--enable-source-maps --max-old-space-size=256',
    );
  });

  it('when the caller sets nothing, it is the defaults', () => {
    expect(mergeEnvironment(defaults)).toEqual(defaults);
  });
});
