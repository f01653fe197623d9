/**
 * Training readiness of an interactions CSV: Personalize trains a solution only from enough
 * interactions and enough users with two or more of them. The validator counts both as the rows
 * stream past (users by hash, in bounded memory) and reports a shortfall as warnings, not errors.
 */

/** Training needs at least this many interactions... */
export const MIN_INTERACTIONS = 1000;
/** ...and at least this many users with two or more interactions each. */
export const MIN_REPEAT_USERS = 25;
/** Distinct users tracked while looking for repeat users; beyond it the count is not confirmed. */
const MAX_TRACKED_USERS = 100_000;

/** FNV-1a over a byte range: users are tracked by hash, so a million IDs cost no strings. */
function hashBytes(buf: Buffer, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ (buf[i] as number), 16777619);
  return h >>> 0;
}

/**
 * Counts users with two or more interactions until there are enough, then stops tracking. Users
 * are tracked by 32-bit hash: a rare collision can only make the readiness warning more lenient.
 */
export class RepeatUsers {
  private seen: Set<number> | undefined = new Set();
  private readonly repeated = new Set<number>();
  private overflowed = false;

  /**
   * Counts one interaction of the user whose ID is buf[start, end). Returns whether counting goes
   * on: false once there are enough repeat users, or too many users to track (the caller then
   * stops calling, so the lines after that pay nothing for it).
   */
  add(buf: Buffer, start: number, end: number): boolean {
    const seen = this.seen;
    if (!seen) return false;
    const user = hashBytes(buf, start, end);
    if (!seen.has(user)) {
      if (seen.size >= MAX_TRACKED_USERS) {
        this.overflowed = true;
        this.seen = undefined;
        return false;
      }
      seen.add(user);
    } else if (!this.repeated.has(user)) {
      this.repeated.add(user);
      if (this.repeated.size >= MIN_REPEAT_USERS) this.seen = undefined;
    }
    return this.seen !== undefined;
  }

  /** What stands between `interactions` rows and training, if anything. */
  warnings(interactions: number): string[] {
    const warnings: string[] = [];
    if (interactions < MIN_INTERACTIONS) {
      warnings.push(`only ${interactions} interactions: Personalize needs at least ${MIN_INTERACTIONS} to train a solution`);
    }
    const repeat = this.repeated.size;
    if (repeat < MIN_REPEAT_USERS) {
      warnings.push(
        this.overflowed
          ? `could not confirm ${MIN_REPEAT_USERS} users with 2+ interactions within the first ${MAX_TRACKED_USERS} distinct users`
          : `only ${repeat} users with 2 or more interactions: Personalize needs at least ${MIN_REPEAT_USERS} to train`,
      );
    }
    return warnings;
  }
}
