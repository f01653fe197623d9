/**
 * The Pulumi program (Pulumi.yaml `main: infra/program/`): a thin user of @roadmapx-ai/infra, the
 * package your own program would install. Pulumi turns this module's exports into the stack
 * outputs, whose keys docs/DESIGN.md fixes.
 */
import { defineStack } from "@roadmapx-ai/infra";

export = defineStack();
