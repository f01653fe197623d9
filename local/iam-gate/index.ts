/**
 * LOCAL HARNESS: the IAM gate, a local stand-in for AWS's authorisation layer in front of the
 * emulator, so a run as the backend user holds the application policy to what AWS would: allowed
 * calls work, anything outside the policy is refused with the error AWS sends.
 *
 * Why not moto's own enforcement (INITIAL_NO_AUTH_ACTION_COUNT, moto 5.2): for every service but S3
 * it authorises against resource "*", so an Allow scoped to `endpoint/roadmapx-*` never matches and
 * the call is refused (as an XML 403 the JSON SDKs cannot even parse); it evaluates no condition (an
 * Allow with a Condition counts as unconditional, a Deny with one applies always, so a TLS-only Deny
 * refuses every request); it never checks iam:PassRole; and with it on, ListObjectsV2 with a prefix
 * holding "/" fails its signature check.
 *
 * What the gate does, request by request (server.ts):
 * 1. identifies the caller by the SigV4 access key (identity.ts; unknown key: InvalidAccessKeyId /
 *    UnrecognizedClientException / InvalidClientTokenId) and verifies the signature (sigv4.ts) with the
 *    secret it was given (`trusted`, `trust`): IAM returns no secrets. The body of a streamed S3 upload
 *    is not hashed by the gate (its declared x-amz-content-sha256 is signed; S3 checks the body
 *    against it, moto does not); buffered bodies are. The request date is not checked against the clock.
 * 2. maps the request to AWS's authorisation requests, per the Service Authorization Reference
 *    (requests.ts and one mapper per service: S3, SageMaker and its runtime, Personalize and its
 *    runtime and events, Comprehend; the verifier's IAM, STS and KMS reads); a request it cannot map
 *    is refused (IamGateUnmappedRequest).
 * 3. evaluates them with the verifier's policy engine (evaluate.ts, verify/simulate.ts) against the
 *    caller's policies as IAM holds them (verify/facts.ts) and, for S3, the bucket policy, for KMS the
 *    key policy (read upstream; an identity policy counts only where the key policy allows the account).
 *    `aws:SecureTransport` is false (the hop is plain HTTP) unless `assumeSecureTransport`.
 *    Resource tags are read from the upstream when a policy looks at them (resource-tags.ts).
 * 4. refuses as AWS does for that protocol (errors.ts), or forwards the request unchanged to the
 *    upstream of its signing name, S3 bodies streamed.
 * 5. records every decision in `decisions`.
 *
 * The administrator's key acts as the account's root user (allowed everything), for mapped requests;
 * what cannot be mapped is refused whoever asks (set the account up against the emulator directly).
 *
 * TLS: the app bucket as local/account.ts seeds it has no TLS-only Deny, so the demo runs as is. A
 * bucket that has one (the created artifacts bucket) refuses every plain-HTTP request at the gate, as
 * AWS would; with `assumeSecureTransport` the gate allows them, but moto itself then refuses: it
 * applies a bucket policy's Deny to every object request whatever its conditions, auth on or off.
 *
 * IAM and STS: by default authenticated and recorded but not authorised (pass-through), so the
 * harness can keep reading and setting up through the gate. With `passThrough: []` they are
 * authorised like the rest: the verifier's reads (iam-requests.ts: role, user, group and managed
 * policy reads, SimulatePrincipalPolicy; STS GetCallerIdentity, which needs no permission and is
 * recorded as `always-allowed`), anything else refused as not mapped. Why not moto's enforcement for
 * them: it authorises every IAM action but the role ones, and every KMS action, on resource "*", so
 * an Allow on `user/*` or `key/*` (the verifier policy's) is refused there though AWS allows it.
 * KMS: DescribeKey and GetKeyPolicy only (kms-requests.ts); other KMS calls are refused as before.
 *
 * Not modelled: IAM paths in role, user and group ARNs (built from the name); KMS resource tags and
 * grants; SSE-KMS (the kms:GenerateDataKey / kms:Decrypt S3 makes for the caller are not checked);
 * session credentials, presigned URLs, anonymous requests (refused); SCPs, session policies, VPC
 * endpoint policies, SageMaker endpoint resource policies; cross-account buckets (every bucket is
 * taken to be the caller's account's). S3 DeleteObjects is refused whole when one key is denied (S3
 * answers per key).
 */
export type { AuthorisationRequest, MappedRequest, MapResult, MappingInput, Protocol, RequestContext } from "./authorisation";
export type { GateRefusal } from "./errors";
export { type AccessKey, type Caller, type GateDirectory, IamDirectory, type KmsKey } from "./identity";
export { IAM_OPERATIONS, STS_OPERATIONS } from "./iam-requests";
export { KMS_OPERATIONS } from "./kms-requests";
export { mapPassThrough, mapRequest, needsBody, protocolOf } from "./requests";
export { type GateDecision, type GateUpstreams, type IamGate, type IamGateOptions, startIamGate } from "./server";
export { type RequestHead, parseAuthorization } from "./sigv4";
