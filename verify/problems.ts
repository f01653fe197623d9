/**
 * How a read problem (a read the verifier could not make, see facts.ts) reads in a report: the
 * sentence a check's "error" outcome carries. Presentation only; render.ts lays the report out.
 */
import type { ReadProblem } from "@roadmapx-ai/core";

/** How a read problem reads in a report. */
export function describeProblem(p: ReadProblem): string {
  switch (p.kind) {
    case "denied":
      return `the verifier may not call ${p.permission} on ${p.resource} (${p.detail}); grant it that read permission`;
    case "credentials":
      return `AWS rejected the credentials (${p.detail})`;
    case "unreachable":
      return `AWS could not be reached for ${p.permission} (${p.detail})`;
    case "unavailable":
      return `${p.permission} is not available at this endpoint (${p.detail})`;
    case "failed":
      return `${p.permission} on ${p.resource} failed (${p.detail})`;
  }
}
