/**
 * engine-helpers.test: two helpers of the scan engine. packageFinder, the nearest
 * package.json above a file (a Node addon's rebuild command names its package): the
 * nearest one wins, a folder without one (or with one that cannot be read as an object)
 * defers to its parent, one without a name ends the search with no package. childPath,
 * the paths a library lookup probes: equal to path.join for every name a DT_NEEDED holds.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childPath, packageFinder } from '../../src/scan/engine.js';

const dir = mkdtempSync(join(tmpdir(), 'muslcheck-pkg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** put writes `text` to `rel` under the temporary root, folders included. */
function put(rel: string, text: string): void {
  mkdirSync(join(dir, rel, '..'), { recursive: true });
  writeFileSync(join(dir, rel), text);
}

// The root's package.json has no name: the search ends there, whatever lies above the temporary folder.
put('package.json', '{"private": true}');
put('app/package.json', JSON.stringify({ name: 'app', version: '1.2.3', libc: ['glibc', 7] }));
put('app/node_modules/addon/package.json', JSON.stringify({ name: '@demo/addon', version: '0.1.0' }));
put('app/node_modules/addon/build/Release/addon.node', '');
put('app/node_modules/broken/package.json', '{ not json');
put('app/node_modules/broken/addon.node', '');
put('app/node_modules/nulled/package.json', 'null');
put('app/node_modules/nulled/addon.node', '');
put('app/node_modules/versionless/package.json', JSON.stringify({ name: 'versionless', version: 3 }));
put('app/node_modules/versionless/addon.node', '');
put('other/deep/er/tool', '');

describe('packageFinder', () => {
  const find = packageFinder();
  it.each([
    ['the nearest package.json above the file', 'app/node_modules/addon/build/Release/addon.node', { name: '@demo/addon', version: '0.1.0', libc: null, dir: 'app/node_modules/addon' }],
    ['libc keeps only its strings', 'app/x.node', { name: 'app', version: '1.2.3', libc: ['glibc'], dir: 'app' }],
    ['unparsable JSON defers to the parent', 'app/node_modules/broken/addon.node', { name: 'app', version: '1.2.3', libc: ['glibc'], dir: 'app' }],
    ['JSON that is not an object defers to the parent', 'app/node_modules/nulled/addon.node', { name: 'app', version: '1.2.3', libc: ['glibc'], dir: 'app' }],
    ['a version that is not a string is null', 'app/node_modules/versionless/addon.node', { name: 'versionless', version: null, libc: null, dir: 'app/node_modules/versionless' }],
    ['a package.json without a name ends the search with none', 'other/deep/er/tool', null],
  ])('%s', (_what, rel, want) => {
    const got = find(join(dir, rel));
    expect(got).toEqual(want === null ? null : { ...want, dir: join(dir, want.dir) });
  });
});

describe('childPath', () => {
  // It must equal path.join for every name a DT_NEEDED without '/' can hold, under any normalised absolute folder.
  it.each(['/usr/lib', '/', '/a/b c', '/x/.hidden'].flatMap((dir) => ['libc.so.6', '', '.', '..', '...', 'a b', '.libfoo.so', 'lib\u00e9.so'].map((name) => [dir, name] as const)))('childPath(%j, %j) is path.join', (dir, name) => {
    expect(childPath(dir, name)).toBe(join(dir, name));
  });
});
