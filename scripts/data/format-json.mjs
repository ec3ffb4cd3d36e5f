/**
 * format-json: deterministic JSON text for data/. Objects are indented two spaces per level;
 * arrays whose items are all strings, numbers, booleans or null are written on one line, which
 * keeps the long symbol lists compact (and diffs readable enough line by line per list).
 * Key order is the caller's: the generator builds every object with sorted or fixed keys.
 */

/** isFlat says whether an array holds only primitives. */
function isFlat(a) {
  return a.every((x) => x === null || typeof x !== 'object');
}

/** formatValue renders one value at an indentation level. */
function formatValue(v, level) {
  const pad = '  '.repeat(level + 1);
  const end = '  '.repeat(level);
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    if (isFlat(v)) return `[${v.map((x) => JSON.stringify(x)).join(', ')}]`;
    return `[\n${v.map((x) => pad + formatValue(x, level + 1)).join(',\n')}\n${end}]`;
  }
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v);
    if (keys.length === 0) return '{}';
    return `{\n${keys.map((k) => `${pad}${JSON.stringify(k)}: ${formatValue(v[k], level + 1)}`).join(',\n')}\n${end}}`;
  }
  if (v === undefined) throw new Error('undefined is not JSON');
  return JSON.stringify(v);
}

/** formatJson renders a whole file, with a trailing newline. */
export function formatJson(v) {
  return `${formatValue(v, 0)}\n`;
}
