/**
 * Streaming validation of Personalize dataset CSVs against their schema: what Personalize would
 * reject an hour into an import job, found while the file streams past (memory stays flat). This
 * file is the public face; the work is in:
 *   csv-issues.ts     what a validation reports (issue kinds, issues, the report);
 *   csv-columns.ts    the header row and each column's rules and inline fast-path codes;
 *   csv-readiness.ts  the interactions and repeat-user counts training needs;
 *   csv-validator.ts  the streaming validator (lines, records, the report) and validateCsv;
 *   fast-lines.ts     the WebAssembly scanner that vouches for simple lines.
 *
 * Rules (Personalize developer guide, "Formatting your input data"): UTF-8; a header row of schema
 * field names, unquoted; one record per line; every required column present and non-empty; values
 * of the field's type; TIMESTAMP in Unix epoch seconds; IDs at most 256 characters; multiple
 * categorical values separated by "|".
 */
export type { CsvIssue, IssueKind, ValidationReport } from "./csv-issues";
export { MIN_INTERACTIONS, MIN_REPEAT_USERS } from "./csv-readiness";
export { CsvValidator, validateCsv, type ValidatorOptions } from "./csv-validator";
