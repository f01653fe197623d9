/**
 * The AWS clients the services use, on the one client factory of @roadmapx-ai/core (same region,
 * credentials, endpoint, retry and timeout settings everywhere). Each client's package is required
 * on first use: an SDK client costs 10-20 MB and tens of milliseconds to load, and a backend that
 * only uses S3 should pay for S3 alone.
 */
import { type AwsClientOptions, type AwsCredentialsProvider, ClientFactory, lazyCredentials } from "@roadmapx-ai/core";
import type { ComprehendClient } from "@aws-sdk/client-comprehend";
import type { PersonalizeClient } from "@aws-sdk/client-personalize";
import type { PersonalizeEventsClient } from "@aws-sdk/client-personalize-events";
import type { PersonalizeRuntimeClient } from "@aws-sdk/client-personalize-runtime";
import type { S3Client, ServiceInputTypes as S3Input, ServiceOutputTypes as S3Output } from "@aws-sdk/client-s3";
import type { SageMakerClient } from "@aws-sdk/client-sagemaker";
import type { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import type { FinalizeRequestMiddleware } from "@smithy/types";

export type { AwsClientOptions };

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/**
 * Multipart parts are sent with `x-amz-content-sha256: UNSIGNED-PAYLOAD` instead of a SHA-256 of
 * each part in the signature, as AWS's own transfer clients do: every part already carries a CRC32
 * checksum that S3 verifies, and HTTPS protects it in transit. (What hashing cost: the README's
 * benchmark section.)
 * Only over HTTPS or to a loopback endpoint (the local emulator): over plain HTTP to another host
 * the signature stays the body's only protection against tampering.
 */
function skipPartPayloadHash(client: S3Client): void {
  const middleware: FinalizeRequestMiddleware<S3Input, S3Output> = (next, context) => async (args) => {
    const request = args.request as { protocol?: string; hostname?: string; headers?: Record<string, string> };
    const hasChecksum = Object.keys(request.headers ?? {}).some((h) => h.toLowerCase().startsWith("x-amz-checksum-"));
    const secure = request.protocol === "https:" || LOOPBACK_HOSTS.has(request.hostname ?? "");
    if (context.commandName === "UploadPartCommand" && hasChecksum && secure && request.headers) {
      request.headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD";
    }
    return next(args);
  };
  client.middlewareStack.addRelativeTo(middleware, { relation: "before", toMiddleware: "httpSigningMiddleware", name: "unsignedPartPayload" });
}

export class AwsClients extends ClientFactory {
  protected override defaultCredentials(): AwsCredentialsProvider {
    // One memoised default chain for every client; its package is loaded on the first call only.
    return lazyCredentials(() => (require("@aws-sdk/credential-provider-node") as typeof import("@aws-sdk/credential-provider-node")).defaultProvider());
  }

  get s3(): S3Client {
    return this.shared("s3", () => {
      const client = new (require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3")).S3Client({
        ...this.s3Common(),
        // Expect: 100-continue (sent by default for bodies of 2 MiB or more) makes the SDK open a
        // new connection for every such request, without keep-alive, and wait a round trip
        // before sending the body. A multipart upload pays that on every part; what it saves
        // (not sending a body S3 would refuse) is one part's worth of bytes.
        expectContinueHeader: false,
      });
      if (!this.options.signPartPayloads) skipPartPayloadHash(client);
      return client;
    });
  }
  get personalize(): PersonalizeClient {
    return this.shared(
      "personalize",
      () => new (require("@aws-sdk/client-personalize") as typeof import("@aws-sdk/client-personalize")).PersonalizeClient(this.common()),
    );
  }
  get personalizeRuntime(): PersonalizeRuntimeClient {
    return this.shared(
      "personalizeRuntime",
      () =>
        new (require("@aws-sdk/client-personalize-runtime") as typeof import("@aws-sdk/client-personalize-runtime")).PersonalizeRuntimeClient(this.common()),
    );
  }
  get personalizeEvents(): PersonalizeEventsClient {
    return this.shared(
      "personalizeEvents",
      () => new (require("@aws-sdk/client-personalize-events") as typeof import("@aws-sdk/client-personalize-events")).PersonalizeEventsClient(this.common()),
    );
  }
  get sagemaker(): SageMakerClient {
    return this.shared(
      "sagemaker",
      () => new (require("@aws-sdk/client-sagemaker") as typeof import("@aws-sdk/client-sagemaker")).SageMakerClient(this.common()),
    );
  }
  get sagemakerRuntime(): SageMakerRuntimeClient {
    return this.shared(
      "sagemakerRuntime",
      () => new (require("@aws-sdk/client-sagemaker-runtime") as typeof import("@aws-sdk/client-sagemaker-runtime")).SageMakerRuntimeClient(this.common()),
    );
  }
  get comprehend(): ComprehendClient {
    return this.shared(
      "comprehend",
      () => new (require("@aws-sdk/client-comprehend") as typeof import("@aws-sdk/client-comprehend")).ComprehendClient(this.common()),
    );
  }
}
