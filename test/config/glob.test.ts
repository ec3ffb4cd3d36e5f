/**
 * glob: picomatch is loaded only when a glob is there to match (src/plan/glob.ts), and
 * matches as before (dot files included). Vitest gives each test file its own modules, so
 * nothing else in this file has loaded it yet.
 */
import { describe, expect, it } from 'vitest';
import { globLoaded, globMatcher } from '../../src/plan/glob.js';
import { compileSuppressions } from '../../src/plan/suppress.js';
import { Walker } from '../../src/scan/walk.js';

const SPEC = { cwd: '/proj', allowBase: '/proj', allow: [], baselineBase: '/proj', baseline: [] };

describe('globs', () => {
  it('are not loaded by a walk or an allowlist without any', () => {
    new Walker(['samples'], {});
    new Walker(['samples'], { include: [], exclude: [] });
    compileSuppressions(SPEC);
    expect(globLoaded()).toBe(false);
  });

  it('are loaded by the first one, and match dot files', () => {
    compileSuppressions({ ...SPEC, allow: [{ path: 'vendor/', reason: 'theirs' }] });
    expect(globLoaded()).toBe(true);
    const m = globMatcher(['**/*.so', 'bin/*']);
    expect(['lib/.hidden/libx.so', 'bin/app', 'bin/.app'].map(m)).toEqual([true, true, true]);
    expect(['lib/libx.so.1', 'bin/sub/app'].map(m)).toEqual([false, false]);
  });
});
