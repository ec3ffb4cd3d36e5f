/**
 * readelfParse: reads binutils `readelf -W -l -d --dyn-syms` output into the fields the
 * differential test compares. Used only by tests: binutils is the reference, not a dependency.
 */

/** ReadelfView is what readelf says about one file. */
export interface ReadelfView {
  interp: string | null;
  needed: string[];
  soname: string | null;
  /** `name@version weak|strong` for every undefined non-local dynamic symbol, sorted. */
  imports: string[];
  /** `name@version [ndx]` (`@@` for default; ndx the section index, ABS or COM) for every defined non-local dynamic symbol, sorted. */
  exports: string[];
}

const SYM_LINE = /^\s*\d+:\s+[0-9a-f]+\s+\S+\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(.*)$/;

/** parseReadelf parses the combined output of `readelf -W -l -d --dyn-syms`. */
export function parseReadelf(text: string): ReadelfView {
  const view: ReadelfView = { interp: null, needed: [], soname: null, imports: [], exports: [] };
  let inDynsym = false;
  for (const line of text.split('\n')) {
    const interp = /\[Requesting program interpreter: (.*)\]/.exec(line);
    if (interp) view.interp = interp[1]!;
    const needed = /\(NEEDED\)\s+Shared library: \[(.*)\]/.exec(line);
    if (needed) view.needed.push(needed[1]!);
    const soname = /\(SONAME\)\s+Library soname: \[(.*)\]/.exec(line);
    if (soname) view.soname = soname[1]!;
    if (line.startsWith("Symbol table '.dynsym'")) {
      inDynsym = true;
      continue;
    }
    if (line.startsWith('Symbol table ') && !line.includes('.dynsym')) inDynsym = false;
    if (!inDynsym) continue;
    // readelf spells STB_GNU_UNIQUE and other OS-specific values with spaces: `<OS specific>: 10`.
    const m = SYM_LINE.exec(line.replace(/<(OS|processor) specific>: (\d+)/g, 'SPECIFIC_$2'));
    if (!m) continue;
    const [, , bind, , ndx, rest] = m;
    if (bind === 'LOCAL') continue;
    // `name@VER (2)` for references; `name@@VER` / `name@VER` for definitions.
    const name = rest!.replace(/ \(\d+\)$/, '').replace(/^\[<localentry>: \d+\] /, '').trim();
    if (name === '' ) continue;
    if (ndx === 'UND') view.imports.push(`${name} ${bind === 'WEAK' ? 'weak' : 'strong'}`);
    else view.exports.push(`${name} [${ndx}]`);
  }
  view.imports.sort();
  view.exports.sort();
  return view;
}
