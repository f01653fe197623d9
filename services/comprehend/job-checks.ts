/**
 * What the job path checks before it reads a document: the options (operations, one language the
 * job types support, oversize, limits) and the Comprehend data-access role the jobs run with.
 * Failures are ComprehendInputError, naming what to fix.
 */
import type { ServiceContext } from "../context";
import { ASYNC_LIMITS, type AsyncLimits, JOB_API } from "./job-limits";
import type { AsyncAnalyzeOptions } from "./job-types";
import { ComprehendInputError, LANGUAGES, OPERATIONS } from "./text";

/**
 * The role analysis jobs pass to Comprehend (DataAccessRoleArn): COMPREHEND_ROLE_ARN, else the
 * stack outputs' `comprehendRoleArn`.
 */
export function comprehendRole(ctx: ServiceContext): string {
  const role = ctx.config.comprehendRoleArn;
  if (!role) {
    throw new ComprehendInputError(
      "COMPREHEND_ROLE_ARN",
      "analysis jobs need the Comprehend data-access role, and none is configured: set COMPREHEND_ROLE_ARN, or point AI_STACK_OUTPUTS at " +
        "stack outputs that have comprehendRoleArn (`pulumi up` adds the role to stacks from before 0.3)",
    );
  }
  return role;
}

/**
 * Job languages: each job type supports the languages of its synchronous API (the developer guide's
 * "Supported languages" lists them per feature, sync and async alike); StartPiiEntitiesDetectionJob
 * takes English and Spanish. Dominant language needs none.
 */
export function checkAsyncOptions<T>(options: AsyncAnalyzeOptions<T>): AsyncLimits {
  if (!options.operations || options.operations.length === 0) throw new ComprehendInputError("operations", `name at least one of ${OPERATIONS.join(", ")}`);
  for (const op of options.operations) {
    if (!OPERATIONS.includes(op)) throw new ComprehendInputError("operations", `"${op}" is not an operation (${OPERATIONS.join(", ")})`);
  }
  if (new Set(options.operations).size !== options.operations.length) throw new ComprehendInputError("operations", "an operation is named twice");
  const language = options.language ?? "en";
  if (language === "auto") {
    throw new ComprehendInputError(
      "language",
      '"auto" detects each document\'s language before analysing it, and an analysis job takes one language: pass a language code, or use the synchronous path (mode "sync")',
    );
  }
  for (const op of options.operations) {
    if (op === "language") continue;
    if (!LANGUAGES[op].includes(language))
      throw new ComprehendInputError("language", `${JOB_API[op]} does not support "${language}" (supported: ${LANGUAGES[op].join(", ")})`);
  }
  if (options.oversize !== undefined && !["refuse", "split", "reject"].includes(options.oversize)) {
    throw new ComprehendInputError("oversize", `"${String(options.oversize)}" is none of refuse, split, reject`);
  }
  const positive = (field: string, value: number | undefined, whole = false) => {
    if (value !== undefined && (!Number.isFinite(value) || value <= 0 || (whole && !Number.isInteger(value)))) {
      throw new ComprehendInputError(field, `must be a ${whole ? "whole " : ""}number above 0 (got ${value})`);
    }
  };
  positive("waitTimeoutMs", options.waitTimeoutMs);
  positive("pollIntervalMs", options.pollIntervalMs);
  positive("maxPollIntervalMs", options.maxPollIntervalMs);
  positive("reorderWindow", options.reorderWindow, true);
  const limits: AsyncLimits = { ...ASYNC_LIMITS, ...options.limits, documentBytes: { ...ASYNC_LIMITS.documentBytes, ...options.limits?.documentBytes } };
  positive("limits.maxLinesPerJob", limits.maxLinesPerJob, true);
  positive("limits.maxBytesPerJob", limits.maxBytesPerJob, true);
  positive("limits.maxJobsPerType", limits.maxJobsPerType, true);
  for (const op of options.operations) positive(`limits.documentBytes.${op}`, limits.documentBytes[op], true);
  return limits;
}
