/**
 * PULUMI INTERNALS, in this one module. local/pulumi-mocks.ts runs a program under Pulumi's mock
 * monitor and needs four things @pulumi/pulumi has at runtime but neither types nor documents:
 *
 *  - `Output.promise()` (output.js, OutputImpl): the value of an output, as a promise that rejects
 *    when the output fails (an `apply` callback would simply never run, and the run would hang).
 *  - `waitForRPCs()` (`@pulumi/pulumi/runtime/settings`): drains pending registrations, so that
 *    resources no output depends on have registered (and are counted) before the run ends.
 *  - `leakedPromises()` (`@pulumi/pulumi/runtime/debuggable`): clears the runtime's record of
 *    pending promises, which it would report as leaks when the process exits after a failed run.
 *  - `MockMonitor.getRegisteredResources()` (`runtime/mocks`, the monitor `setMocks` installs, which
 *    `getMonitor()` types only as the gRPC client): each resource's real URN, parent types included.
 *
 * Checked against @pulumi/pulumi 3.248.0, the exact version package.json pins. On an upgrade,
 * re-check each one in node_modules/@pulumi/pulumi and run test/local/apply.test.ts and the
 * test/infra/*.unit.test.ts files, which run programs (failing ones included) through them.
 */
import * as pulumi from "@pulumi/pulumi";

interface OutputInternals<T> {
  promise(): Promise<T>;
}
interface SettingsInternals {
  waitForRPCs(): Promise<void>;
}
interface DebuggableInternals {
  leakedPromises(): unknown;
}
interface MockMonitorInternals {
  getRegisteredResources(): Map<string, unknown>;
}

const settings = require("@pulumi/pulumi/runtime/settings") as SettingsInternals;
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as DebuggableInternals;

/** The value of `output` once resolved; rejects when the output fails. */
export function outputValue<T>(output: pulumi.Output<T>): Promise<T> {
  return (output as unknown as OutputInternals<T>).promise();
}

/** Resolves once every resource registration the program started has reached the monitor. */
export function waitForPendingRegistrations(): Promise<void> {
  return settings.waitForRPCs();
}

/** Forgets the promises of resources that will never register, so the exit check does not report them. */
export function forgetLeakedPromises(): void {
  debuggable.leakedPromises();
}

/** The URNs the mock monitor has registered (none when no mock monitor is installed). */
export function registeredUrns(): string[] {
  const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitorInternals | undefined;
  return [...(monitor?.getRegisteredResources().keys() ?? [])];
}
