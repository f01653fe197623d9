import { expect } from "chai";
import { bucketNameProblem, parseKmsKeyArn, parseRoleArn, regionProblem } from "../../core/validation";

describe("core/validation", () => {
  describe("bucketNameProblem", () => {
    for (const good of ["roadmapx-files", "abc", "a.b-c1", "x".repeat(63), "my.bucket.2024", "bucket.1.2.3.4", "1.2.3.4.5", "1.2.3.4567"]) {
      it(`accepts "${good.length > 20 ? `${good.slice(0, 8)}…(${good.length})` : good}"`, () => {
        expect(bucketNameProblem(good)).to.equal(undefined);
      });
    }
    const bad: [string, RegExp][] = [
      ["ab", /3 to 63 characters long \(it has 2\)/],
      ["x".repeat(64), /3 to 63 characters long \(it has 64\)/],
      ["RoadmapX-Files", /lowercase letters, digits, dots/],
      ["bucket_name", /lowercase letters, digits, dots/],
      ["-bucket", /begin and end with a letter or digit/],
      ["bucket.", /begin and end with a letter or digit/],
      ["my..bucket", /two adjacent dots/],
      ["192.168.5.4", /IP address/],
      ["xn--bucket", /reserved prefix "xn--"/],
      ["sthree-bucket", /reserved prefix "sthree-"/],
      ["amzn-s3-demo-bucket", /reserved prefix "amzn-s3-demo-"/],
      ["bucket-s3alias", /reserved suffix "-s3alias"/],
      ["bucket--ol-s3", /reserved suffix "--ol-s3"/],
      ["bucket.mrap", /reserved suffix ".mrap"/],
      ["bucket--x-s3", /reserved suffix "--x-s3"/],
      ["bucket--table-s3", /reserved suffix "--table-s3"/],
    ];
    for (const [name, why] of bad) {
      it(`rejects "${name.length > 20 ? `${name.slice(0, 8)}…(${name.length})` : name}" saying which rule`, () => {
        expect(bucketNameProblem(name)).to.match(why);
      });
    }
  });

  describe("parseKmsKeyArn", () => {
    it("reads partition, region, account and key id", () => {
      expect(parseKmsKeyArn("arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab")).to.deep.equal({
        partition: "aws",
        region: "eu-west-1",
        accountId: "123456789012",
        keyId: "1234abcd-12ab-34cd-56ef-1234567890ab",
      });
      expect(parseKmsKeyArn("arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/mrk-1")).to.include({
        partition: "aws-us-gov",
        region: "us-gov-west-1",
      });
    });
    it("refuses an alias ARN and says to use the key ARN", () => {
      expect(parseKmsKeyArn("arn:aws:kms:us-east-1:123456789012:alias/ai")).to.match(/key ARN .* not an alias ARN/);
    });
    it("refuses a bare key id, a short account and another service", () => {
      for (const arn of ["1234abcd-12ab-34cd-56ef-1234567890ab", "arn:aws:kms:us-east-1:1234:key/abc", "arn:aws:s3:us-east-1:123456789012:key/abc"]) {
        expect(parseKmsKeyArn(arn), arn).to.match(/must look like arn:aws:kms:REGION:ACCOUNT:key\/KEY-ID/);
      }
    });
  });

  it("regionProblem accepts region codes and names the bad value", () => {
    expect(regionProblem("us-east-1")).to.equal(undefined);
    expect(regionProblem("us-gov-west-1")).to.equal(undefined);
    expect(regionProblem("US-EAST-1")).to.match(/"US-EAST-1" is not an AWS region code/);
    expect(regionProblem("virginia")).to.match(/not an AWS region code/);
  });

  it("parseRoleArn reads role names, with and without a path", () => {
    expect(parseRoleArn("arn:aws:iam::123456789012:role/svc/ai/personalize")).to.deep.equal({
      partition: "aws",
      accountId: "123456789012",
      roleName: "personalize",
    });
    expect(parseRoleArn("arn:aws:iam::123456789012:user/bob")).to.match(/arn:aws:iam::ACCOUNT:role\/NAME/);
  });
});
