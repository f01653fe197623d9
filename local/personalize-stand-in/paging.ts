/**
 * List* paging as Personalize does it: at most `maxResults` (1-100) items per page, and a
 * `nextToken` while more remain. Tokens are opaque; one from another listing, or made up, is
 * answered with InvalidNextTokenException.
 */
import { StandInError } from "./errors";

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

/** `listing` names what is listed with its filter, so a token only continues the listing it came from. */
export function page<T>(all: readonly T[], listing: string, maxResults: number, nextToken: string | undefined): Page<T> {
  let offset = 0;
  if (nextToken !== undefined) {
    const decoded = decode(nextToken);
    if (!decoded || decoded.listing !== listing) throw new StandInError("InvalidNextTokenException", "The token is not valid.");
    offset = decoded.offset;
  }
  const items = all.slice(offset, offset + maxResults);
  const next = offset + items.length;
  return next < all.length ? { items, nextToken: encode({ listing, offset: next }) } : { items };
}

interface Token {
  listing: string;
  offset: number;
}

function encode(token: Token): string {
  return Buffer.from(JSON.stringify(token), "utf8").toString("base64url");
}

function decode(text: string): Token | undefined {
  try {
    const value = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as Partial<Token>;
    return typeof value.listing === "string" && Number.isInteger(value.offset) && (value.offset as number) >= 0 ? (value as Token) : undefined;
  } catch {
    return undefined;
  }
}
