/**
 * schema: the shape of the config file and the baseline file, and their strict validation.
 *
 * Pure: values in, typed values or a ConfigError out. Every error names the file and the
 * JSON path of the bad value (`allow[1].codes[0]`), so that it can be fixed without
 * guessing. src/config/index.ts does the reading.
 */
import { CODES } from '../analyze/catalogue.js';
import { VERDICT_ORDER, type Verdict } from '../analyze/types.js';
import { BASELINE_SCHEMA_VERSION, type AllowRule, type Baseline, type BaselineEntry } from '../plan/suppress.js';

export type { AllowRule, Baseline, BaselineEntry } from '../plan/suppress.js';

/** MuslcheckConfig is the content of `.muslcheckrc.json` (or package.json's `muslcheck` key). Every key is optional. */
export interface MuslcheckConfig {
  /** a JSON schema reference for editors; ignored. */
  $schema?: string;
  /** `alpine:X.Y`, `alpine:edge` or `musl:X.Y.Z`, as `--target`. */
  target?: string;
  /** as `--fail-on`. */
  failOn?: Verdict;
  /** as `--include`: globs matched relative to each scanned directory. */
  include?: string[];
  /** as `--exclude`. */
  exclude?: string[];
  /** as `--library-path`; the loader resolves them against the config file's directory. */
  libraryPath?: string[];
  /** the baseline file, as `--baseline`; the loader resolves it against the config file's directory. */
  baseline?: string;
  /** accepted findings. */
  allow?: AllowRule[];
}

/** ConfigError is a bad config or baseline file: the CLI prints its message and exits with 2. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** the file as named in the message. */
  readonly file: string;
  /** the JSON path of the bad value (`allow[1].codes[0]`), null for the file as a whole. */
  readonly at: string | null;

  constructor(file: string, at: string | null, detail: string) {
    super(at === null || at === '' ? `${file}: ${detail}` : `${file}: ${at}: ${detail}`);
    this.file = file;
    this.at = at === '' ? null : at;
  }
}

/** CONFIG_KEYS are the keys a config object may have, in documentation order. */
export const CONFIG_KEYS = ['$schema', 'target', 'failOn', 'include', 'exclude', 'libraryPath', 'baseline', 'allow'] as const;

/** ALLOW_KEYS are the keys an allow rule may have. */
export const ALLOW_KEYS = ['path', 'codes', 'symbols', 'reason'] as const;

/** JsonObject is a parsed JSON object. */
type JsonObject = Record<string, unknown>;

/** Where is the file a value came from and the JSON path to it. */
interface Where {
  file: string;
  at: string;
}

/** child is the JSON path of a key or index below `at`: `allow[1]`, `allow[1].codes`, `x["odd key"]`. */
export function child(at: string, key: string | number): string {
  if (typeof key === 'number') return `${at}[${key}]`;
  if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)) return at === '' ? key : `${at}.${key}`;
  return `${at}[${JSON.stringify(key)}]`;
}

/** typeName describes a JSON value's type for messages: `null`, `array`, `string`, `number`... */
export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** fail throws the ConfigError for the value at `w`. */
function fail(w: Where, detail: string): never {
  throw new ConfigError(w.file, w.at, detail);
}

/** at returns the Where of a key or index below `w`. */
function at(w: Where, key: string | number): Where {
  return { file: w.file, at: child(w.at, key) };
}

/** expectObject checks for a plain JSON object. */
function expectObject(v: unknown, w: Where): JsonObject {
  if (typeName(v) !== 'object') fail(w, `expected an object, got ${typeName(v)}`);
  return v as JsonObject;
}

/** has is true when the object itself (not its prototype) has the key. */
function has(o: JsonObject, key: string): boolean {
  return Object.hasOwn(o, key);
}

/** checkKeys rejects keys outside `known`. */
function checkKeys(o: JsonObject, known: readonly string[], w: Where): void {
  for (const k of Object.keys(o)) {
    if (!known.includes(k)) fail(w, `unknown key '${k}' (known: ${known.join(', ')})`);
  }
}

/** expectString checks for a string that is not empty (blank strings are rejected too). */
function expectString(v: unknown, w: Where): string {
  if (typeof v !== 'string') fail(w, `expected a string, got ${typeName(v)}`);
  if (v.trim() === '') fail(w, 'must not be empty');
  return v;
}

/** expectStringArray checks for an array of non-empty strings; `nonEmpty` also rejects `[]`, with `hint` as the reason. */
function expectStringArray(v: unknown, w: Where, nonEmpty?: { hint: string }): string[] {
  if (!Array.isArray(v)) fail(w, `expected an array of strings, got ${typeName(v)}`);
  if (nonEmpty && v.length === 0) fail(w, `must not be empty (${nonEmpty.hint})`);
  return v.map((item, i) => expectString(item, at(w, i)));
}

/** expectVerdict checks for one of the verdicts. */
function expectVerdict(v: unknown, w: Where): Verdict {
  if (typeof v !== 'string' || !(VERDICT_ORDER as readonly string[]).includes(v)) {
    fail(w, `expected one of ${VERDICT_ORDER.join(', ')}, got ${typeof v === 'string' ? `'${v}'` : typeName(v)}`);
  }
  return v as Verdict;
}

/** expectGlob checks one allow pattern: a non-empty string, relative (globs are matched against paths relative to the config file). */
function expectGlob(v: unknown, w: Where): string {
  const s = expectString(v, w);
  if (s.startsWith('/') || /^[A-Za-z]:[\\/]/.test(s)) fail(w, `'${s}' is absolute: allow paths are globs relative to the config file's directory`);
  return s;
}

/** expectGlobs checks an allow rule's `path`: one glob or a non-empty array of globs. */
function expectGlobs(v: unknown, w: Where): string | string[] {
  if (typeof v === 'string') return expectGlob(v, w);
  if (!Array.isArray(v)) fail(w, `expected a string or an array of strings, got ${typeName(v)}`);
  if (v.length === 0) fail(w, 'must not be empty');
  return v.map((p, i) => expectGlob(p, at(w, i)));
}

/** expectCodes checks a list of finding codes against the catalogue. */
function expectCodes(v: unknown, w: Where): string[] {
  const codes = expectStringArray(v, w, { hint: 'omit it to allow every code' });
  codes.forEach((c, i) => {
    if (!(CODES as readonly string[]).includes(c)) fail(at(w, i), `unknown finding code '${c}' (known: ${CODES.join(', ')})`);
  });
  return codes;
}

/** validateAllowRule checks one `allow[]` entry. */
function validateAllowRule(v: unknown, w: Where): AllowRule {
  const o = expectObject(v, w);
  checkKeys(o, ALLOW_KEYS, w);
  if (!has(o, 'path')) fail(w, "missing required key 'path' (globs relative to the config file's directory)");
  if (!has(o, 'reason')) fail(w, "missing required key 'reason' (say why these findings are accepted)");
  const rule: AllowRule = { path: expectGlobs(o['path'], at(w, 'path')), reason: expectString(o['reason'], at(w, 'reason')) };
  if (has(o, 'codes')) rule.codes = expectCodes(o['codes'], at(w, 'codes'));
  if (has(o, 'symbols')) rule.symbols = expectStringArray(o['symbols'], at(w, 'symbols'), { hint: 'omit it to allow any symbol' });
  return rule;
}

/**
 * validateConfig checks a parsed config strictly (unknown keys, wrong types, unknown
 * verdicts and finding codes, a missing reason are all errors) and returns a fresh typed
 * copy without `$schema`. `file` names the file in messages; `root` prefixes JSON paths
 * (`muslcheck` for the package.json form). Paths are returned as written: resolving them is
 * the loader's job.
 */
export function validateConfig(raw: unknown, file: string, root = ''): MuslcheckConfig {
  const w: Where = { file, at: root };
  const o = expectObject(raw, w);
  checkKeys(o, CONFIG_KEYS, w);
  const config: MuslcheckConfig = {};
  if (has(o, '$schema')) expectString(o['$schema'], at(w, '$schema'));
  if (has(o, 'target')) config.target = expectString(o['target'], at(w, 'target'));
  if (has(o, 'failOn')) config.failOn = expectVerdict(o['failOn'], at(w, 'failOn'));
  if (has(o, 'include')) config.include = expectStringArray(o['include'], at(w, 'include'));
  if (has(o, 'exclude')) config.exclude = expectStringArray(o['exclude'], at(w, 'exclude'));
  if (has(o, 'libraryPath')) config.libraryPath = expectStringArray(o['libraryPath'], at(w, 'libraryPath'));
  if (has(o, 'baseline')) config.baseline = expectString(o['baseline'], at(w, 'baseline'));
  if (has(o, 'allow')) {
    const aw = at(w, 'allow');
    if (!Array.isArray(o['allow'])) fail(aw, `expected an array of rules, got ${typeName(o['allow'])}`);
    config.allow = (o['allow'] as unknown[]).map((r, i) => validateAllowRule(r, at(aw, i)));
  }
  return config;
}

/** isArgValue is true for what a finding argument may hold: string, number, boolean, null or an array of strings. */
function isArgValue(v: unknown): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return true;
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

/** validateBaselineEntry checks one `findings[]` entry of a baseline. */
function validateBaselineEntry(v: unknown, w: Where): BaselineEntry {
  const o = expectObject(v, w);
  checkKeys(o, ['path', 'code', 'args'], w);
  for (const k of ['path', 'code', 'args']) if (!has(o, k)) fail(w, `missing required key '${k}'`);
  const path = expectString(o['path'], at(w, 'path'));
  const code = expectString(o['code'], at(w, 'code'));
  const args = expectObject(o['args'], at(w, 'args'));
  for (const [k, val] of Object.entries(args)) {
    if (!isArgValue(val)) fail(at(at(w, 'args'), k), `expected a string, number, boolean, null or array of strings, got ${typeName(val)}`);
  }
  return { path, code, args: args as BaselineEntry['args'] };
}

/**
 * validateBaseline checks a parsed baseline file. Codes are not checked against the
 * catalogue: an entry with a code this version does not emit simply never matches.
 */
export function validateBaseline(raw: unknown, file: string): Baseline {
  const w: Where = { file, at: '' };
  const o = expectObject(raw, w);
  checkKeys(o, ['schemaVersion', 'tool', 'findings'], w);
  if (o['schemaVersion'] !== BASELINE_SCHEMA_VERSION) {
    fail(at(w, 'schemaVersion'), `unsupported baseline schema version ${JSON.stringify(o['schemaVersion'] ?? null)} (this muslcheck reads ${BASELINE_SCHEMA_VERSION})`);
  }
  const tw = at(w, 'tool');
  const t = expectObject(o['tool'], tw);
  checkKeys(t, ['name', 'version'], tw);
  const tool = { name: expectString(t['name'], at(tw, 'name')), version: expectString(t['version'], at(tw, 'version')) };
  const fw = at(w, 'findings');
  if (!Array.isArray(o['findings'])) fail(fw, `expected an array, got ${typeName(o['findings'])}`);
  const findings = (o['findings'] as unknown[]).map((e, i) => validateBaselineEntry(e, at(fw, i)));
  return { schemaVersion: BASELINE_SCHEMA_VERSION, tool, findings };
}
