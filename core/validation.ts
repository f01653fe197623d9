/**
 * Validation of the names and ARNs users type into config and environment, with messages that say
 * which rule is broken. Shared by infra/ (Pulumi config) and services/ and verify/ (environment).
 */

/**
 * Why `name` is not a valid S3 general-purpose bucket name, or undefined when it is.
 * Rules from the S3 user guide, "General purpose bucket naming rules".
 */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return `must be 3 to 63 characters long (it has ${name.length})`;
  if (!/^[a-z0-9.-]+$/.test(name)) return "may contain only lowercase letters, digits, dots (.) and hyphens (-)";
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return "must begin and end with a letter or digit";
  if (name.includes("..")) return "must not contain two adjacent dots";
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return "must not be formatted as an IP address";
  for (const prefix of ["xn--", "sthree-", "amzn-s3-demo-"]) {
    if (name.startsWith(prefix)) return `must not start with the reserved prefix "${prefix}"`;
  }
  for (const suffix of ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"]) {
    if (name.endsWith(suffix)) return `must not end with the reserved suffix "${suffix}"`;
  }
  return undefined;
}

export interface KmsKeyArn {
  partition: string;
  region: string;
  accountId: string;
  keyId: string;
}

const KMS_KEY_ARN = /^arn:(aws|aws-cn|aws-us-gov):kms:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):key\/([A-Za-z0-9-]+)$/;

/**
 * Parses a KMS key ARN (`arn:aws:kms:REGION:ACCOUNT:key/KEY-ID`). Aliases are refused: IAM and key
 * policies authorise the key ARN, so a policy written for an alias would not match the requests.
 */
export function parseKmsKeyArn(arn: string): KmsKeyArn | string {
  const m = KMS_KEY_ARN.exec(arn);
  if (!m) {
    return arn.includes(":alias/")
      ? "must be a key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID), not an alias ARN"
      : "must look like arn:aws:kms:REGION:ACCOUNT:key/KEY-ID";
  }
  const [, partition, region, accountId, keyId] = m as unknown as [string, string, string, string, string];
  return { partition, region, accountId, keyId };
}

/** AWS region codes such as us-east-1, eu-central-2, us-gov-west-1. */
export function regionProblem(region: string): string | undefined {
  return /^[a-z]{2}(-[a-z]+)+-\d+$/.test(region) ? undefined : `"${region}" is not an AWS region code such as us-east-1`;
}

const IAM_ROLE_ARN = /^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;

export interface RoleArn {
  partition: string;
  accountId: string;
  roleName: string;
}

export function parseRoleArn(arn: string): RoleArn | string {
  const m = IAM_ROLE_ARN.exec(arn);
  if (!m) return "must look like arn:aws:iam::ACCOUNT:role/NAME";
  const [, partition, accountId, roleName] = m as unknown as [string, string, string, string];
  return { partition, accountId, roleName };
}
