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

describe("classify: every name and status it knows, and what the report says", () => {
  const read = (err: unknown) => classify(err, "s3:GetBucketPolicy", "arn:aws:s3:::b");

  it("each credential error name is `credentials`, whatever the status (a 403 included)", () => {
    for (const name of [
      "InvalidClientTokenId",
      "UnrecognizedClientException",
      "ExpiredToken",
      "ExpiredTokenException",
      "InvalidAccessKeyId",
      "SignatureDoesNotMatch",
      "CredentialsProviderError",
      "InvalidToken",
    ]) {
      expect(read(named(name)).kind, name).to.equal("credentials");
      expect(read(named(name, 403)).kind, `${name} 403`).to.equal("credentials");
    }
  });

  it("each denial name is `denied` without a status, and so is any 403", () => {
    for (const name of ["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError", "Forbidden"]) {
      expect(read(named(name)).kind, name).to.equal("denied");
    }
    expect(read(named("Anything", 403)).kind).to.equal("denied");
    expect(read(named("Anything", 401)).kind).to.equal("failed");
  });

  it("network failures are `unreachable`, by code or by name, and so is the SDK's TimeoutError", () => {
    for (const code of ["ECONNREFUSED", "ENOTFOUND", "ECONNRESET", "ETIMEDOUT", "EAI_AGAIN", "EHOSTUNREACH"]) {
      expect(read(Object.assign(new Error("x"), { code })).kind, `code ${code}`).to.equal("unreachable");
      expect(read(named(code)).kind, `name ${code}`).to.equal("unreachable");
    }
    expect(read(named("TimeoutError")).kind).to.equal("unreachable");
    expect(read(Object.assign(new Error("x"), { code: "EPIPE" })).kind).to.equal("failed");
  });

  it("an API the endpoint lacks is `unavailable`: NotImplemented, 501, or a 500 that says so", () => {
    expect(read(named("NotImplemented")).kind).to.equal("unavailable");
    expect(read(named("Whatever", 501)).kind).to.equal("unavailable");
    for (const message of ["<HTML><body>oops</body>", "the action is not yet implemented", "notimplemented here"]) {
      expect(read(Object.assign(named("InternalError", 500), { message })).kind, message).to.equal("unavailable");
    }
    expect(read(named("Unknown", 500)).kind).to.equal("unavailable");
    // A 500 that names a real error is a failure, not a missing API; so is a 502.
    expect(read(Object.assign(named("InternalError", 500), { message: "disk full" })).kind).to.equal("failed");
    expect(read(named("InternalError", 500)).kind).to.equal("failed");
    expect(read(named("Unknown", 502)).kind).to.equal("failed");
    expect(read(Object.assign(named("Whatever", 404), { message: "<html>" })).kind).to.equal("failed");
  });

  it("an HTML body says which HTTP status came with it; a SyntaxError without a response is a plain failure", () => {
    const html = Object.assign(new Error("Unexpected token '<'"), { name: "SyntaxError", $response: { statusCode: 400 } });
    expect(read(html)).to.deep.equal({
      kind: "unavailable",
      permission: "s3:GetBucketPolicy",
      resource: "arn:aws:s3:::b",
      detail: "HTTP 400 with a body that is not an AWS response",
    });
    expect(read(Object.assign(new Error("Unexpected token"), { name: "SyntaxError", $response: { statusCode: 399 } })).kind).to.equal("failed");
    expect(read(Object.assign(new Error("Unexpected token"), { name: "SyntaxError" })).kind).to.equal("failed");
    // Only an unparsable body means that: an AWS error with the same status is a plain failure.
    expect(read(Object.assign(new Error("bad input"), { name: "ValidationException", $response: { statusCode: 400 } })).kind).to.equal("failed");
  });

  it("the detail is the error's name and the first line of its message, and keeps the permission and resource", () => {
    expect(read(Object.assign(named("AccessDenied", 403), { message: "User: arn:aws:iam::1:user/u is not authorized\nmore detail" }))).to.deep.equal({
      kind: "denied",
      permission: "s3:GetBucketPolicy",
      resource: "arn:aws:s3:::b",
      detail: "AccessDenied: User: arn:aws:iam::1:user/u is not authorized",
    });
    // A message that only repeats the name, or none, adds nothing.
    expect(read(named("AccessDenied", 403)).detail).to.equal("AccessDenied");
    expect(read(Object.assign(named("AccessDenied", 403), { message: "" })).detail).to.equal("AccessDenied");
    // Something that is not an error at all.
    expect(read(undefined)).to.deep.equal({ kind: "failed", permission: "s3:GetBucketPolicy", resource: "arn:aws:s3:::b", detail: "Error" });
    expect(read({ message: "no name" }).detail).to.equal("Error: no name");
  });
});

describe("isRetryable: every name, status and code it knows", () => {
  it("each retryable name, without a status", () => {
    const names = [
      "ThrottlingException",
      "Throttling",
      "TooManyRequestsException",
      "SlowDown",
      "ServiceUnavailable",
      "ServiceUnavailableException",
      "InternalServerError",
      "InternalServerException",
      "InternalFailure",
      "RequestTimeout",
      "RequestTimeoutException",
      "TimeoutError",
    ];
    for (const name of names) expect(isRetryable(named(name)), name).to.equal(true);
    expect([...RETRYABLE_ERROR_NAMES].sort()).to.deep.equal([...names].sort());
  });

  it("the status boundaries: 429 and 500 and up, not 428, 430 or 499", () => {
    for (const status of [428, 430, 499, 400]) expect(isRetryable(named("SomethingNew", status)), String(status)).to.equal(false);
    for (const status of [429, 500, 599]) expect(isRetryable(named("SomethingNew", status)), String(status)).to.equal(true);
  });

  it("each dropped-connection code, and not other codes", () => {
    for (const code of ["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN"]) {
      expect(isRetryable(Object.assign(new Error(code), { code })), code).to.equal(true);
    }
    for (const code of ["ENOTFOUND", "EACCES", ""]) expect(isRetryable(Object.assign(new Error(code), { code })), code || "empty").to.equal(false);
    // $retryable must be set to mean something.
    expect(isRetryable(named("Odd", 400, { $retryable: undefined }))).to.equal(false);
    expect(isRetryable({})).to.equal(false);
  });
});
