/**
 * Validates muslcheck's SARIF against the SARIF 2.1.0 JSON schema (OASIS, as
 * published in the schemastore and shipped by the npm package
 * `@microsoft/jest-sarif` under lib/schemas/sarif-2.1.0-rtm.5.json). That schema
 * is JSON Schema draft-04, which Ajv 8 reads through `ajv-draft-04`. Both are
 * devDependencies; where they are not installed the test is skipped and the
 * structural check in formatters.test.ts still runs.
 */
import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { formatSarif } from '../../src/report/sarif.js';
import { CATALOGUE_FIXTURE, REPORTS_FIXTURE, TARGET_FIXTURE, TOOL_FIXTURE } from './fixtures/reports.js';

const require = createRequire(import.meta.url);

/** resolveOptional finds a module, or null when it is not installed. */
function resolveOptional(id: string): string | null {
  try {
    return require.resolve(id);
  } catch {
    return null;
  }
}

const schemaPath = resolveOptional('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
const draft04Path = resolveOptional('ajv-draft-04');

/** compileSarifSchema builds an Ajv validator for the official schema. */
export function compileSarifSchema(): (data: unknown) => { valid: boolean; errors: unknown } {
  const AjvDraft04 = require(draft04Path!) as { default: new (o: object) => { compile(s: object): ((d: unknown) => boolean) & { errors?: unknown } } };
  const ajv = new AjvDraft04.default({ allErrors: true, strict: false, validateFormats: false, unicodeRegExp: false });
  const validate = ajv.compile(JSON.parse(readFileSync(schemaPath!, 'utf8')));
  return (data) => ({ valid: validate(data), errors: validate.errors });
}

describe.skipIf(schemaPath === null || draft04Path === null)('SARIF 2.1.0 JSON schema (needs @microsoft/jest-sarif and ajv-draft-04)', () => {
  it('accepts the log for the fixture tree', () => {
    const validate = compileSarifSchema();
    const log = JSON.parse(formatSarif(REPORTS_FIXTURE, { tool: TOOL_FIXTURE, target: TARGET_FIXTURE, catalogue: CATALOGUE_FIXTURE, informationUri: 'https://example.invalid/m', docsBaseUri: 'https://example.invalid/m/' }));
    const { valid, errors } = validate(log);
    expect(valid, JSON.stringify(errors)).toBe(true);
  });

  it('keeps an accepted finding as a result with an external suppression and its justification', () => {
    const log = JSON.parse(formatSarif(REPORTS_FIXTURE, { tool: TOOL_FIXTURE, target: TARGET_FIXTURE, catalogue: CATALOGUE_FIXTURE, informationUri: 'https://example.invalid/m', docsBaseUri: 'https://example.invalid/m/' }));
    const suppressed = log.runs[0].results.filter((r: { suppressions?: unknown }) => r.suppressions !== undefined);
    expect(suppressed.map((r: { ruleId: string; suppressions: unknown }) => [r.ruleId, r.suppressions])).toEqual([
      ['glibc-interpreter', [{ kind: 'external', justification: 'an accepted finding, for the formatters' }]],
    ]);
  });

  it('rejects a log with a bad level (the schema is really applied)', () => {
    const validate = compileSarifSchema();
    const log = JSON.parse(formatSarif(REPORTS_FIXTURE, { tool: TOOL_FIXTURE, target: TARGET_FIXTURE, catalogue: CATALOGUE_FIXTURE, informationUri: 'https://example.invalid/m', docsBaseUri: 'https://example.invalid/m/' }));
    log.runs[0].results[0].level = 'fatal';
    expect(validate(log).valid).toBe(false);
  });
});
