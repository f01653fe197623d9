/**
 * Runs a Pulumi program in-process under Pulumi's mock monitor and hands every declared resource to a
 * callback, in the order Pulumi registers them (a resource registers only after everything it
 * depends on, through inputs or `dependsOn`, has registered).
 *
 * Used by the unit tests (callback: remember the resource) and by the local emulator harness
 * (callback: create the resource in the emulator). This is not a deployment engine: `pulumi up`
 * deploys to AWS. It uses Pulumi's public API only, plus the internals that local/pulumi-internals.ts
 * wraps and labels.
 */
import * as pulumi from "@pulumi/pulumi";
import { forgetLeakedPromises, outputValue, registeredUrns, waitForPendingRegistrations } from "./pulumi-internals";

export interface DeclaredResource {
  /** Pulumi type token, e.g. `aws:s3/bucket:Bucket`; components have their own (`roadmapx-ai:...`). */
  type: string;
  name: string;
  /** The resolved inputs, as the provider would receive them. */
  inputs: Record<string, unknown>;
  /** False for component resources, which exist only in Pulumi's state. */
  custom: boolean;
  /** `urn:pulumi:STACK::PROJECT::PARENT$TYPE::NAME`: the type chain shows the parent. */
  urn: string;
  /** Resource options the program passed (the mock monitor itself does not see them). */
  options: DeclaredOptions;
}

export interface DeclaredOptions {
  /** Name of the parent resource; undefined for resources at the top of the stack. */
  parent?: string | undefined;
  /** Names of the resources in `dependsOn`. */
  dependsOn: string[];
  protect: boolean;
  retainOnDelete: boolean;
  /** The aliases the program declared: a previous name (when given) and parent ("stack" for the root). */
  aliases: { name?: string | undefined; parent?: string | undefined }[];
}

export interface CreatedResource {
  id: string;
  /** The resource's output properties (inputs plus what the provider computes, such as `arn`). */
  state: Record<string, unknown>;
}

export interface MockedProgramOptions {
  project: string;
  stack: string;
  /** All config, keys as Pulumi stores them (`project:key`, `aws:region`). */
  config: Record<string, string>;
  /** Creates (or pretends to create) a resource. Called for custom resources only. */
  createResource(resource: Omit<DeclaredResource, "urn" | "options">): Promise<CreatedResource>;
  /** Answers a provider function call (`aws:index/getCallerIdentity:getCallerIdentity`, ...). */
  invoke(token: string, inputs: Record<string, unknown>): Promise<Record<string, unknown>>;
}

/** What a program's outputs look like once every Output in them has resolved. */
export type Resolved<T> =
  T extends pulumi.Output<infer U>
    ? Resolved<U>
    : T extends readonly unknown[]
      ? { [K in keyof T]: Resolved<T[K]> }
      : T extends object
        ? { [K in keyof T]: Resolved<T[K]> }
        : T;

export interface MockedProgramRun<T> {
  outputs: Resolved<T>;
  /** Every resource the program declared, components included, in registration order. */
  resources: DeclaredResource[];
}

/**
 * Runs `program` under mocks with the given config and returns its resolved outputs and resources.
 * Mocks and config are process-global in Pulumi: runs must not overlap.
 */
export async function runProgramUnderMocks<T>(program: () => T, options: MockedProgramOptions): Promise<MockedProgramRun<T>> {
  const resources: DeclaredResource[] = [];
  const declaredOptions = new Map<string, DeclaredOptions>();
  let firstError: unknown;
  await pulumi.runtime.setMocks(
    {
      newResource: async (args: pulumi.runtime.MockResourceArgs) => {
        const urn = `urn:pulumi:${options.stack}::${options.project}::${args.type}::${args.name}`;
        const declared: DeclaredResource = {
          type: args.type,
          name: args.name,
          inputs: args.inputs as Record<string, unknown>,
          custom: args.custom ?? true,
          urn,
          options: declaredOptions.get(`${args.type}::${args.name}`) ?? {
            dependsOn: [],
            protect: false,
            retainOnDelete: false,
            aliases: [],
          },
        };
        resources.push(declared);
        if (!declared.custom) return { id: undefined, state: {} };
        try {
          const created = await options.createResource({
            type: declared.type,
            name: declared.name,
            inputs: declared.inputs,
            custom: true,
          });
          return { id: created.id, state: created.state };
        } catch (err) {
          firstError ??= err;
          throw err;
        }
      },
      // An invoke may fail on purpose (the program can catch it), so its errors are not recorded.
      // The engine reports a failed invoke as a gRPC error whose `details` carry the message, and
      // the SDK rethrows `new Error(err.details)`: the mock's errors take the same shape.
      call: async (args: pulumi.runtime.MockCallArgs) => {
        try {
          return await options.invoke(args.token, args.inputs as Record<string, unknown>);
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          throw Object.assign(new Error(message), { details: message });
        }
      },
    },
    options.project,
    options.stack,
    false,
  );
  pulumi.runtime.setAllConfig(options.config);

  // A program error inside an `apply` (say, a policy that cannot be merged) surfaces in Pulumi as an
  // unhandled rejection, which `pulumi up` reports as the failure. Do the same here instead of
  // waiting forever for the resource that never registers.
  let rejectRun: (err: unknown) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => {
    rejectRun = reject;
  });
  const onUnhandled = (err: unknown) => rejectRun(err);
  process.on("unhandledRejection", onUnhandled);
  try {
    return await Promise.race([failed, run()]);
  } catch (err) {
    // The resources that never registered stay pending; `pulumi up` would exit the process here.
    // Forget them, so that the exit check does not report them as leaked promises.
    forgetLeakedPromises();
    // Pulumi wraps a failed creation ("failed to register new resource ..."): report the original.
    throw firstError ?? err;
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }

  async function run(): Promise<MockedProgramRun<T>> {
    let outputs: T | undefined;
    const declared: pulumi.Resource[] = [];
    // The program runs inside a root stack, as under `pulumi up`, so that a stack transformation can
    // see every resource's options before the resource registers.
    await pulumi.runtime.runInPulumiStack(async () => {
      const names = new Map<pulumi.Resource, string>();
      pulumi.runtime.registerStackTransformation((args) => {
        names.set(args.resource, args.name);
        declared.push(args.resource);
        const dependsOn = args.opts.dependsOn;
        const dependencies = dependsOn === undefined ? [] : Array.isArray(dependsOn) ? dependsOn : [dependsOn];
        declaredOptions.set(`${args.type}::${args.name}`, {
          parent: args.opts.parent ? names.get(args.opts.parent) : undefined,
          dependsOn: (dependencies as pulumi.Resource[]).map((d) => names.get(d) ?? "?"),
          protect: args.opts.protect === true,
          retainOnDelete: args.opts.retainOnDelete === true,
          aliases: (args.opts.aliases ?? []).map((alias) => {
            if (typeof alias === "string" || pulumi.Output.isInstance(alias)) return { name: String(alias) };
            const a = alias as pulumi.Alias;
            const parent = a.parent === pulumi.rootStackResource ? "stack" : a.parent instanceof pulumi.Resource ? names.get(a.parent) : undefined;
            return { ...(typeof a.name === "string" ? { name: a.name } : {}), ...(parent ? { parent } : {}) };
          }),
        });
        return undefined;
      });
      outputs = program();
      return {};
    });
    const resolved = (await outputValue(pulumi.output(outputs))) as Resolved<T>;
    // Wait until every declared resource has registered (a resource whose inputs failed never does;
    // the unhandled rejection above ends the run instead).
    await Promise.all(declared.map((r) => outputValue(r.urn)));
    await waitForPendingRegistrations();
    if (firstError !== undefined) throw firstError;

    // The mock monitor knows each resource's real URN (with its parent's type chain).
    const urns = registeredUrns();
    for (const r of resources) {
      r.urn = urns.find((u) => u.endsWith(`::${r.name}`) && u.split("::")[2]?.split("$").pop() === r.type) ?? r.urn;
    }
    return { outputs: resolved, resources };
  }
}
