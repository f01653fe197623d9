/**
 * The Pulumi program's entry point (Pulumi.yaml `main: infra/`). Pulumi turns this module's exports
 * into the stack outputs, whose keys DESIGN.md fixes. Everything is declared in ./stack.
 */
import { defineStack } from "./stack";

export = defineStack();
