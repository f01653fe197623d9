// The two imports that replace the seed's config/aws.ts and personalize.service.ts, as a backend
// with classic (node10) resolution writes them. Type-checked only.
import { S3_CONFIG, s3Client } from "@roadmapx-ai/services/s3";
import { ConfigError, createAiServices } from "@roadmapx-ai/services";

export const bucket: string = S3_CONFIG.bucketName;
export const region: Promise<string> = s3Client.config.region();
export const ai = createAiServices();
export const isConfigError = (err: unknown): boolean => err instanceof ConfigError;
