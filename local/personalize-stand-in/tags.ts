/** `tags` of a Create call: at most 200, keys 1-128 and values up to 256 characters (the API reference's Tag shape). */
import type { Tags } from "./state";
import type { Input } from "./validation";

export function tagsOf(input: Input): Tags {
  return (input.list("tags", { min: 0, max: 200 }) ?? []).map((t) => ({
    tagKey: t.string("tagKey", { min: 1, max: 128 }),
    tagValue: t.string("tagValue", { max: 256 }),
  }));
}
