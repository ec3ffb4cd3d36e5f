/**
 * codes.test: every finding code has its documentation page, generated from the one
 * catalogue, and the pages are current.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOGUE, CODES } from '../../src/analyze/catalogue.js';

const root = join(import.meta.dirname, '..', '..');

describe('docs/codes', () => {
  it.each(CODES)('%s has a current page', (code) => {
    const info = CATALOGUE[code];
    expect(info.docs).toBe(`docs/codes/${code}.md`);
    const page = join(root, info.docs);
    expect(existsSync(page)).toBe(true);
    const text = readFileSync(page, 'utf8');
    expect(text).toContain(info.title);
    expect(text).toContain(info.description);
    expect(text).toContain(info.fix);
  });
});
