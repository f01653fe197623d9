/**
 * @roadmapx-ai/infra: Pulumi components that give Amazon Personalize and SageMaker access to an
 * application's S3 bucket, and the application access to them. `AiServicesAccess` is the one most
 * programs want; the parts it is made of are exported too. `defineStack` is this repository's own
 * program (its `roadmapx-ai:*` config keys), for programs that want the same stack.
 */
export { AiServicesAccess, type AiServicesAccessArgs, type AppBucketPolicyMode, derivedBucketName } from "./components/ai-services-access";
export { AiArtifactsBucket, type AiArtifactsBucketArgs } from "./components/ai-artifacts-bucket";
export { AppBucketPersonalizeAccess, type AppBucketPersonalizeAccessArgs } from "./components/app-bucket-personalize-access";
export { ApplicationPolicy, type ApplicationPolicyArgs } from "./components/application-policy";
export { ServiceRole, type ServiceRoleArgs } from "./components/service-role";
export { CONFIG_KEYS, type InfraConfig, InfraConfigError, PROJECT, loadInfraConfig, parseInfraConfig } from "./config";
export { defineStack, type StackOutputs } from "./stack";
