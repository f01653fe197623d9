/** The project's one classifier of retryable AWS errors (polling, Comprehend's items, the CLI). */
import { expect } from "chai";
import { classify, isRetryable, RETRYABLE_ERROR_NAMES } from "../../core/aws-errors";

const named = (name: string, status?: number, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(name), { name, ...(status === undefined ? {} : { $metadata: { httpStatusCode: status } }), ...extra });

describe("isRetryable", () => {
  it("retries every HTTP 5xx and 429, whatever the error is named", () => {
    for (const status of [500, 502, 503, 504, 429]) expect(isRetryable(named("SomethingNew", status)), String(status)).to.equal(true);
  });

  it("retries throttling and server-error names without a status, and the SDK's own $retryable mark", () => {
    for (const name of ["ThrottlingException", "Throttling", "SlowDown", "ServiceUnavailable", "InternalServerException", "RequestTimeout"]) {
      expect(isRetryable(named(name)), name).to.equal(true);
      expect(RETRYABLE_ERROR_NAMES.has(name)).to.equal(true);
    }
    expect(isRetryable(named("Odd", 400, { $retryable: { throttling: false } }))).to.equal(true);
  });

  it("retries dropped connections by their code", () => {
    for (const code of ["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE"]) expect(isRetryable(Object.assign(new Error(code), { code })), code).to.equal(true);
  });

  it("does not retry what the request got wrong, or denied access", () => {
    for (const [name, status] of [
      ["ValidationException", 400],
      ["AccessDeniedException", 403],
      ["ResourceNotFoundException", 404],
      ["TextSizeLimitExceededException", 400],
    ] as const) {
      expect(isRetryable(named(name, status)), name).to.equal(false);
    }
    expect(isRetryable(undefined)).to.equal(false);
    expect(isRetryable("a string")).to.equal(false);
  });
});

describe("classify", () => {
  const kind = (err: unknown) => classify(err, "s3:GetBucketPolicy", "arn:aws:s3:::b").kind;
  it("tells denied, credentials, unreachable, unavailable and failed apart", () => {
    expect(kind(named("AccessDenied", 403))).to.equal("denied");
    expect(kind(named("Whatever", 403))).to.equal("denied");
    expect(kind(named("InvalidClientTokenId", 403))).to.equal("credentials");
    expect(kind(Object.assign(new Error("connect"), { code: "ECONNREFUSED" }))).to.equal("unreachable");
    expect(kind(named("NotImplemented", 501))).to.equal("unavailable");
    expect(kind(named("ValidationException", 400))).to.equal("failed");
  });

  it("an HTML page where AWS answers JSON or XML is an API the endpoint lacks, for 4xx and 5xx alike", () => {
    for (const status of [404, 500]) {
      const html = Object.assign(new Error("Unexpected token '<'"), { name: "SyntaxError", $response: { statusCode: status } });
      expect(kind(html), String(status)).to.equal("unavailable");
    }
    expect(kind(Object.assign(new Error("bad"), { name: "SyntaxError", $response: { statusCode: 200 } }))).to.equal("failed");
  });
});
