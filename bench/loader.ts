/**
 * How a benchmark's worker process loads TypeScript: through tsx's CommonJS hook, with the
 * workspace packages resolved to their sources (the `@roadmapx-ai/source` condition), so that
 * every module is loaded once. `--import tsx`
 * would add tsx's ESM loader, which runs in a thread of its own and adds about 30 MiB of RSS that
 * no roadmapx-ai process carries.
 */
export const WORKER_LOADER = ["--require", "tsx/cjs", "--conditions=@roadmapx-ai/source"] as const;
