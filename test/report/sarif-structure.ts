/**
 * sarif-structure: a hand-written check of the SARIF 2.1.0 rules muslcheck's log
 * relies on (OASIS SARIF 2.1.0: §3.13 sarifLog, §3.14 run, §3.18 toolComponent,
 * §3.49 reportingDescriptor, §3.27 result, §3.4 artifactLocation). It runs even
 * where the official JSON schema is not installed; checkSarifStructure returns
 * the problems found (empty when none).
 */

const LEVELS = new Set(['none', 'note', 'warning', 'error']);

/** isObject narrows to a plain object. */
function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** isAbsoluteUri is true for `scheme:...` (RFC 3986 §3.1). */
function isAbsoluteUri(v: unknown): boolean {
  return typeof v === 'string' && /^[a-z][a-z0-9+.-]*:/i.test(v) && URL.canParse(v);
}

/** isUriReference is true for a relative or absolute URI reference without raw spaces or `#` in the path. */
function isUriReference(v: unknown): boolean {
  return typeof v === 'string' && v !== '' && !/[\s#?\\]/.test(v.replace(/^file:\/\//, '')) && URL.canParse(v, 'file:///root/');
}

/** checkSarifStructure returns a list of `path: problem` strings for the log. */
export function checkSarifStructure(log: unknown): string[] {
  const problems: string[] = [];
  const fail = (where: string, what: string): void => void problems.push(`${where}: ${what}`);
  if (!isObject(log)) return ['$: not an object'];
  if (log.version !== '2.1.0') fail('$.version', 'must be "2.1.0"');
  if (typeof log.$schema !== 'string' || !isAbsoluteUri(log.$schema)) fail('$.$schema', 'must be an absolute URI');
  for (const k of Object.keys(log)) if (!['$schema', 'version', 'runs', 'inlineExternalProperties', 'properties'].includes(k)) fail('$', `unknown property ${k}`);
  if (!Array.isArray(log.runs)) return [...problems, '$.runs: not an array'];
  log.runs.forEach((run: unknown, ri) => {
    const at = `$.runs[${ri}]`;
    if (!isObject(run)) return fail(at, 'not an object');
    const driver = isObject(run.tool) ? run.tool.driver : undefined;
    if (!isObject(driver) || typeof driver.name !== 'string') return fail(`${at}.tool.driver`, 'needs a name');
    if (driver.informationUri !== undefined && !isAbsoluteUri(driver.informationUri)) fail(`${at}.tool.driver.informationUri`, 'not an absolute URI');
    const rules = Array.isArray(driver.rules) ? driver.rules : [];
    const ids = new Set<string>();
    rules.forEach((rule: unknown, i) => {
      const rat = `${at}.tool.driver.rules[${i}]`;
      if (!isObject(rule) || typeof rule.id !== 'string') return fail(rat, 'needs an id');
      if (ids.has(rule.id)) fail(rat, `duplicate id ${rule.id}`);
      ids.add(rule.id);
      for (const d of ['shortDescription', 'fullDescription', 'help'] as const) {
        const m = rule[d];
        if (m !== undefined && (!isObject(m) || typeof m.text !== 'string')) fail(`${rat}.${d}`, 'a message needs text');
      }
      if (rule.helpUri !== undefined && !isAbsoluteUri(rule.helpUri)) fail(`${rat}.helpUri`, 'not an absolute URI');
      const level = isObject(rule.defaultConfiguration) ? rule.defaultConfiguration.level : undefined;
      if (level !== undefined && !LEVELS.has(String(level))) fail(`${rat}.defaultConfiguration.level`, `bad level ${String(level)}`);
    });
    if (!Array.isArray(run.results)) return fail(`${at}.results`, 'not an array');
    run.results.forEach((res: unknown, i) => {
      const rat = `${at}.results[${i}]`;
      if (!isObject(res)) return fail(rat, 'not an object');
      if (!isObject(res.message) || typeof res.message.text !== 'string') fail(`${rat}.message`, 'needs text');
      if (res.level !== undefined && !LEVELS.has(String(res.level))) fail(`${rat}.level`, `bad level ${String(res.level)}`);
      if (typeof res.ruleIndex === 'number') {
        const rule = rules[res.ruleIndex];
        if (!isObject(rule) || rule.id !== res.ruleId) fail(`${rat}.ruleIndex`, 'does not point at the rule named by ruleId');
      }
      const locations = Array.isArray(res.locations) ? res.locations : [];
      locations.forEach((loc: unknown, li) => {
        const al = isObject(loc) && isObject(loc.physicalLocation) ? loc.physicalLocation.artifactLocation : undefined;
        if (!isObject(al) || !isUriReference(al.uri)) return fail(`${rat}.locations[${li}]`, 'artifactLocation.uri is not a URI reference');
        const uri = String(al.uri);
        if (al.uriBaseId !== undefined && (isAbsoluteUri(uri) || uri.startsWith('/'))) fail(`${rat}.locations[${li}]`, 'uriBaseId with an absolute uri');
        if (al.uriBaseId === undefined && !isAbsoluteUri(uri)) fail(`${rat}.locations[${li}]`, 'relative uri without uriBaseId');
      });
    });
  });
  return problems;
}
