/**
 * Mocha root hooks (loaded for every run through .mocharc.json): one emulator for the whole run,
 * started by the first suite that asks for it and stopped by PID when the run ends.
 */
import { stopSharedEmulator } from "./helpers/emulator";

// The SDK's Node 20 deprecation notice would repeat in every test run's output (see README).
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";

export const mochaHooks = {
  async afterAll(): Promise<void> {
    await stopSharedEmulator();
  },
};
