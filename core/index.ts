/**
 * @roadmapx-ai/core: what every part of roadmapx-ai shares. The requirements model (what each AI
 * service needs), the policies built from it, name and ARN validation, the runtime configuration,
 * the classification of AWS errors and the SDK-free half of the client factory. No AWS SDK or
 * Pulumi import: the packages that use AWS bring their own clients.
 */
export * from "./application-requests";
export * from "./aws-errors";
export * from "./clients";
export * from "./iam";
export * from "./json-error";
export * from "./policies";
export * from "./policy-document";
export * from "./requirements";
export * from "./resource-names";
export * from "./runtime-config";
export * from "./stack-outputs";
export * from "./validation";
export * from "./verifier-reads";
