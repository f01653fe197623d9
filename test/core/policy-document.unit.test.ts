import { expect } from "chai";
import { decodePolicyDocument, parsePolicyDocument, PolicyDocumentError } from "../../core/policy-document";

const DOCUMENT = {
  Version: "2012-10-17",
  Statement: [{ Sid: "Quota", Effect: "Allow", Action: "s3:GetObject", Resource: "*", Condition: { StringEquals: { "aws:ResourceTag/usage": "100%" } } }],
};
const JSON_TEXT = JSON.stringify(DOCUMENT);

describe("core/policy-document", () => {
  describe("decodePolicyDocument", () => {
    it("returns JSON text untouched", () => {
      expect(decodePolicyDocument('{"Version":"2012-10-17","Statement":[]}')).to.equal('{"Version":"2012-10-17","Statement":[]}');
    });

    it("accepts JSON with leading whitespace (pretty-printed documents)", () => {
      const pretty = `\n  ${JSON.stringify(DOCUMENT, null, 2)}`;
      expect(decodePolicyDocument(pretty)).to.equal(pretty);
    });

    it("does not decode a % inside a JSON string value", () => {
      expect(decodePolicyDocument(JSON_TEXT)).to.equal(JSON_TEXT);
      expect(JSON_TEXT).to.include('"100%"');
    });

    it("does not mangle JSON whose strings look like escapes (%7B, %20)", () => {
      const text = '{"Version":"2012-10-17","Statement":[{"Sid":"a%7Bb%20c","Effect":"Allow","Action":"s3:GetObject"}]}';
      expect(decodePolicyDocument(text)).to.equal(text);
    });

    it("decodes URL-encoded JSON, as IAM returns it", () => {
      expect(decodePolicyDocument(encodeURIComponent(JSON_TEXT))).to.equal(JSON_TEXT);
    });

    it("decodes lower-case escapes (%7b)", () => {
      expect(decodePolicyDocument("%7b%22Version%22%3a%222012-10-17%22%2c%22Statement%22%3a%5b%5d%7d")).to.equal('{"Version":"2012-10-17","Statement":[]}');
    });

    it("keeps a %25 in URL-encoded JSON as a single %", () => {
      expect(decodePolicyDocument(encodeURIComponent(JSON_TEXT))).to.include('"100%"');
    });

    it("decodes URL-encoded JSON that starts with encoded whitespace", () => {
      expect(decodePolicyDocument(encodeURIComponent(`\n${JSON_TEXT}`))).to.equal(`\n${JSON_TEXT}`);
    });

    const neither: [string, string, RegExp][] = [
      ["plain text", "hello", /not a policy document: "hello" is neither a JSON object/],
      ["the empty string", "", /not a policy document: "" is neither a JSON object/],
      ["a JSON array", '[{"Effect":"Allow"}]', /neither a JSON object/],
      ["URL-encoded text that is not JSON", "Version%3D1", /neither a JSON object \("\{\.\.\.\}"\) nor URL-encoded JSON \("%7B\.\.\."\)/],
      ["a malformed escape", "%7B%E0%A4%A", /neither JSON nor valid URL-encoded text/],
    ];
    for (const [what, text, message] of neither) {
      it(`rejects ${what} with a PolicyDocumentError`, () => {
        expect(() => decodePolicyDocument(text))
          .to.throw(PolicyDocumentError, message)
          .with.property("name", "PolicyDocumentError");
      });
    }

    it("shortens long text in the error", () => {
      expect(() => decodePolicyDocument("x".repeat(500))).to.throw(PolicyDocumentError, /"x{37}\.\.\." is neither/);
      // 40 characters are shown whole, 41 are not.
      expect(() => decodePolicyDocument("y".repeat(40))).to.throw(PolicyDocumentError, /"y{40}" is neither/);
      expect(() => decodePolicyDocument("z".repeat(41))).to.throw(PolicyDocumentError, /"z{37}\.\.\." is neither/);
    });
  });

  describe("parsePolicyDocument", () => {
    it("parses JSON text", () => {
      expect(parsePolicyDocument(JSON_TEXT)).to.deep.equal(DOCUMENT);
    });

    it("parses URL-encoded JSON", () => {
      expect(parsePolicyDocument(encodeURIComponent(JSON_TEXT))).to.deep.equal(DOCUMENT);
    });

    it("keeps a % in a condition value, encoded or not", () => {
      expect(parsePolicyDocument(JSON_TEXT).Statement[0]?.Condition).to.deep.equal({ StringEquals: { "aws:ResourceTag/usage": "100%" } });
      expect(parsePolicyDocument(encodeURIComponent(JSON_TEXT)).Statement[0]?.Condition).to.deep.equal({
        StringEquals: { "aws:ResourceTag/usage": "100%" },
      });
    });

    it("says which text is not valid JSON", () => {
      expect(() => parsePolicyDocument('{"Version": ')).to.throw(PolicyDocumentError, /policy document "\{\\"Version\\": " is not valid JSON \(/);
    });

    it("rejects text that is neither JSON nor URL-encoded JSON", () => {
      expect(() => parsePolicyDocument("not a policy")).to.throw(PolicyDocumentError, /not a policy document/);
    });
  });
});
