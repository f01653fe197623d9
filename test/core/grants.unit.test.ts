/**
 * The application policy grants exactly what the services send, no more and no less: every
 * Personalize, SageMaker and Comprehend call found in the services' sources (commands, paginators,
 * waiters) is granted, and every granted action is one of them. (S3 is checked by the policy lint
 * and the integration tests: its actions do not map one-to-one onto commands.)
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { expect } from "chai";
import { APPLICATION, applicationAiActions } from "../../core/requirements";

const SERVICES_DIR = join(__dirname, "..", "..", "services");
/** Which IAM service each SDK package's calls are authorised as. */
const SDK_SERVICE: Record<string, string> = {
  "client-personalize": "personalize",
  "client-personalize-events": "personalize",
  "client-personalize-runtime": "personalize",
  "client-sagemaker": "sagemaker",
  "client-sagemaker-runtime": "sagemaker",
  "client-comprehend": "comprehend",
};
/** The Describe call each SDK waiter polls with. */
const WAITER_CALL: Record<string, string> = {
  waitUntilTrainingJobCompletedOrStopped: "DescribeTrainingJob",
  waitUntilEndpointInService: "DescribeEndpoint",
  waitUntilTransformJobCompletedOrStopped: "DescribeTransformJob",
};

/**
 * Granted for issue 16's batch engines, not called yet: the Comprehend analysis jobs' List calls.
 * Each entry leaves this list when services/ calls it. (The jobs' Start/Describe/Stop and the
 * Personalize batch jobs left it once the scan followed local aliases of the SDK loaders.)
 */
const GRANTED_FOR_BATCH_ENGINES_NOT_CALLED_YET: readonly string[] = [...APPLICATION.comprehend.jobs.list];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === "dist" || name === "node_modules") return [];
    return statSync(path).isDirectory() ? sources(path) : name.endsWith(".ts") ? [path] : [];
  });
}

/**
 * A SageMaker Create call with `Tags` is also authorised as sagemaker:AddTags (tag on create); the
 * services pass the project's tags in every Create call they make, which this pattern finds.
 */
function taggedCreatesOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  // Each Create command's text, up to the next command built: does its argument pass Tags?
  const commands = [...text.matchAll(/sdkSagemaker\(\)\.(\w+)Command\)\(/g)];
  return commands.flatMap((m, i) => {
    const body = text.slice(m.index, commands[i + 1]?.index ?? text.length);
    return (m[1] as string).startsWith("Create") && /\bTags:/.test(body) ? [m[1] as string] : [];
  });
}

/** The text from `open` (an opening bracket's index) to its matching closing bracket, inclusive. */
function balanced(text: string, open: number): string {
  const pairs: Record<string, string> = { "(": ")", "{": "}", "[": "]" };
  const stack: string[] = [];
  for (let i = open; i < text.length; i++) {
    const c = text[i] as string;
    if (c in pairs) stack.push(pairs[c] as string);
    else if (c === stack[stack.length - 1]) {
      stack.pop();
      if (stack.length === 0) return text.slice(open, i + 1);
    }
  }
  return text.slice(open);
}

/**
 * The Personalize Create calls a file sends with `tags` (authorised as personalize:TagResource too):
 * the command's argument passes `tags:` itself, or spreads an object of the file that does
 * (`const common = { ..., tags: [...] }; new sdk.CreateBatchInferenceJobCommand({ ...common, ... })`).
 */
function taggedPersonalizeCreatesOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  if (!/const (sdk\w*) = \(\): typeof import\("@aws-sdk\/client-personalize"\)/.test(text)) return [];
  const taggedObjects = new Set(
    [...text.matchAll(/const (\w+) = \{/g)].filter((m) => /\btags:/.test(balanced(text, (m.index as number) + m[0].length - 1))).map((m) => m[1] as string),
  );
  return [...text.matchAll(/\b(Create\w+)Command\)?\(/g)].flatMap((m) => {
    const argument = balanced(text, (m.index as number) + m[0].length - 1);
    const spreads = [...argument.matchAll(/\.\.\.(\w+)\b/g)].map((s) => s[1] as string);
    return /\btags:/.test(argument) || spreads.some((name) => taggedObjects.has(name)) ? [m[1] as string] : [];
  });
}

function impliedCallsOf(file: string): string[] {
  return [
    ...(taggedCreatesOf(file).length ? ["sagemaker:AddTags"] : []),
    ...(taggedPersonalizeCreatesOf(file).length ? [APPLICATION.personalize.tagOnCreate.action] : []),
  ];
}

/** `personalize:CreateSchema`, ... for every call a file makes through a lazily loaded SDK package. */
function callsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const calls: string[] = [];
  // The files load each SDK package through a named loader: sdkPersonalize(), sdkSagemakerRuntime(), ...
  const loaders = [...text.matchAll(/const (sdk\w*) = \(\): typeof import\("@aws-sdk\/([a-z-]+)"\)/g)];
  for (const [, loader, pkg] of loaders) {
    const service = SDK_SERVICE[pkg as string];
    if (!service) continue;
    // `sdkPersonalize().XCommand`, and `const sdk = sdkPersonalize(); ... sdk.XCommand` (a local alias,
    // of which only commands, paginators and waiters count: the alias may be a short name like `c`).
    const aliases = [...text.matchAll(new RegExp(`const (\\w+) = ${loader}\\(\\);`, "g"))].map((m) => m[1] as string);
    const direct = [...text.matchAll(new RegExp(`${loader}\\(\\)\\.(\\w+)`, "g"))].map((m) => m[1] as string);
    const viaAlias = aliases.flatMap((alias) =>
      [...text.matchAll(new RegExp(`\\b${alias}\\.(\\w+)`, "g"))].map((m) => m[1] as string).filter((n) => /Command$|^paginate|^waitUntil/.test(n)),
    );
    for (const name of [...direct, ...viaAlias]) {
      const call = name.endsWith("Command")
        ? name.slice(0, -"Command".length)
        : name.startsWith("paginate")
          ? name.slice("paginate".length)
          : WAITER_CALL[name];
      if (!call) throw new Error(`${relative(SERVICES_DIR, file)}: ${name} is neither a command, a paginator nor a known waiter`);
      calls.push(`${service}:${call}`);
    }
  }
  return calls;
}

describe("the application policy's AI actions are exactly the calls the services make", () => {
  const sent = new Set(sources(SERVICES_DIR).flatMap((f) => [...callsOf(f), ...impliedCallsOf(f)]));
  const granted = new Set<string>(applicationAiActions());

  it("finds the calls (a sanity check on the source scan)", () => {
    expect([...sent]).to.include.members([
      "personalize:CreateDatasetImportJob",
      "personalize:ListSchemas",
      "sagemaker:DescribeEndpoint",
      "comprehend:BatchDetectSentiment",
      // Through a local alias of the loader (`const sdk = sdkPersonalize(); new sdk.XCommand(...)`).
      "personalize:CreateBatchInferenceJob",
      "personalize:CreateFilter",
      // Through a loader named `sdk` (services/comprehend/jobs.ts).
      "comprehend:StartSentimentDetectionJob",
    ]);
  });

  it("every call sent is granted", () => {
    expect([...sent].filter((a) => !granted.has(a)).sort()).to.deep.equal([]);
  });

  it("tag on create is granted for exactly the SageMaker Create calls that pass tags", () => {
    const tagged = sources(SERVICES_DIR).flatMap(taggedCreatesOf);
    expect(tagged.length).to.be.greaterThan(0);
    expect([...new Set(tagged)].sort()).to.deep.equal([...APPLICATION.sagemaker.tagOnCreate.createCalls].sort());
  });

  it("tag on create is granted for exactly the Personalize Create calls that pass tags", () => {
    const tagged = sources(SERVICES_DIR).flatMap(taggedPersonalizeCreatesOf);
    // Not vacuous: the event tracker (tags inline) and the batch jobs (tags in a spread object) are found.
    expect([...new Set(tagged)].sort()).to.deep.equal([...APPLICATION.personalize.tagOnCreate.createCalls].sort());
    expect(tagged).to.include.members(["CreateEventTracker", "CreateBatchInferenceJob", "CreateBatchSegmentJob"]);
  });

  it("every action granted is sent: nothing is granted for a call no code makes (but the batch engines' list)", () => {
    const pending = new Set(GRANTED_FOR_BATCH_ENGINES_NOT_CALLED_YET);
    expect([...granted].filter((a) => !sent.has(a) && !pending.has(a)).sort()).to.deep.equal([]);
  });

  it("the batch engines' list holds only granted actions that no code sends yet (remove an entry once it is called)", () => {
    expect(GRANTED_FOR_BATCH_ENGINES_NOT_CALLED_YET.filter((a) => !granted.has(a) || sent.has(a))).to.deep.equal([]);
  });
});
