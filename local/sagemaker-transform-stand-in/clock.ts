/**
 * The stand-in's clock, shared with the Personalize stand-in so that one ManualClock drives both:
 * statuses move only as the clock does.
 */
export { type Clock, ManualClock } from "../personalize-stand-in/clock";
