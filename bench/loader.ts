/**
 * How a benchmark's worker process loads TypeScript: the way the CLI does (bin/roadmapx-ai.js
 * requires tsx/cjs), so that its peak memory is what an operator's process holds. `--import tsx`
 * would add tsx's ESM loader, which runs in a thread of its own and adds about 30 MiB of RSS that
 * no roadmapx-ai process carries.
 */
export const WORKER_LOADER = ["--require", "tsx/cjs"] as const;
