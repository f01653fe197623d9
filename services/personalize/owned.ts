/**
 * Names and ARNs checked against the stack's resource-name prefix before a Personalize call: the
 * application policy covers only this project's resources, so a foreign name would end in an
 * AccessDenied; this says which field, which rule and the fix instead.
 */
import { ownedArnProblem, ownedNameProblem } from "@roadmapx-ai/core";
import type { ServiceContext } from "../context";
import { WorkflowError } from "./errors";

type MakeError = (message: string) => Error;
const workflowError: MakeError = (m) => new WorkflowError(m);

export function ownedName(ctx: ServiceContext, field: string, name: string, makeError: MakeError = workflowError): string {
  const problem = ownedNameProblem(name, ctx.config.resourceNamePrefix);
  if (problem) throw makeError(`${field} "${name}" ${problem}`);
  return name;
}

export function ownedArn(ctx: ServiceContext, field: string, arn: string, makeError: MakeError = workflowError): string {
  const problem = ownedArnProblem(arn, ctx.config.resourceNamePrefix);
  if (problem) throw makeError(`${field} ${arn} ${problem}`);
  return arn;
}
