/** Every check, in report order (docs/DESIGN.md ids; add more, never rename). */
import type { CheckDefinition } from "../model";
import { credentials, outputsConsistent } from "./account";
import {
  appBucketExists,
  bucketEncryption,
  bucketExists,
  bucketPersonalizePolicy,
  bucketPersonalizePolicyPinned,
  bucketPublicAccess,
  bucketRegion,
  bucketTlsOnly,
  bucketVersioning,
} from "./buckets";
import { appChecks } from "./app";
import { passRoleCheck } from "./caller";
import { crossCheck } from "./cross-check";
import { kmsCheck } from "./kms";
import { roleChecks } from "./roles";

export const CHECKS: readonly CheckDefinition[] = [
  credentials,
  bucketExists,
  appBucketExists,
  bucketRegion,
  bucketPublicAccess,
  bucketEncryption,
  bucketTlsOnly,
  bucketVersioning,
  bucketPersonalizePolicy,
  bucketPersonalizePolicyPinned,
  ...roleChecks("personalize"),
  ...roleChecks("sagemaker"),
  ...roleChecks("comprehend"),
  passRoleCheck("personalize"),
  passRoleCheck("sagemaker"),
  passRoleCheck("comprehend"),
  ...appChecks,
  kmsCheck("personalize"),
  kmsCheck("sagemaker"),
  kmsCheck("comprehend"),
  outputsConsistent,
  crossCheck,
];

export const CHECK_IDS: readonly string[] = CHECKS.map((c) => c.id);

/**
 * Resolves `--only` patterns: exact ids, or a prefix ending in `*` (`role.personalize.*`).
 * Returns the unknown patterns separately so the CLI can name them.
 */
export function selectChecks(patterns: string[] | undefined): { selected: CheckDefinition[]; unknown: string[] } {
  if (!patterns || patterns.length === 0) return { selected: [...CHECKS], unknown: [] };
  const unknown: string[] = [];
  const wanted = new Set<string>();
  for (const pattern of patterns) {
    const matches = pattern.endsWith("*") ? CHECK_IDS.filter((id) => id.startsWith(pattern.slice(0, -1))) : CHECK_IDS.filter((id) => id === pattern);
    if (matches.length === 0) unknown.push(pattern);
    for (const m of matches) wanted.add(m);
  }
  return { selected: CHECKS.filter((c) => wanted.has(c.id)), unknown };
}
