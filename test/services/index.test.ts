/** createAiServices: what the backend imports, configured once from its environment. */
import { expect } from "chai";
import { DUMMY_CREDENTIALS } from "../../local/emulator";
import { createAiServices } from "../../services/index";
import { useEmulator } from "../helpers/emulator";

describe("createAiServices (against the emulator)", function () {
  this.timeout(60_000);
  const ctx = useEmulator();

  it("builds every service from one configuration, and they reach the configured endpoint", async () => {
    const ai = createAiServices({
      env: { AWS_ENDPOINT_URL: ctx.emulator.endpoint, AWS_REGION: "us-east-1", S3_BUCKET_NAME: "app-files", AI_ARTIFACTS_BUCKET: "ai-artifacts" },
      clientOptions: { credentials: DUMMY_CREDENTIALS, maxAttempts: 1 },
    });
    try {
      expect(ai.config.aiBucket).to.equal("ai-artifacts");
      expect(ai.sagemaker.datasetUri("churn")).to.equal("s3://ai-artifacts/sagemaker/training/churn/");
      expect((await ai.comprehend.detectSentiment("A clear roadmap for the team.")).sentiment).to.equal("NEUTRAL");
    } finally {
      ai.clients.destroy();
    }
  });
});
