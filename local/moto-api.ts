/**
 * Calls to a running moto server's own HTTP API (`/moto-api/...`), which is not AWS's: whether it
 * answers yet (data.json), clearing every resource (reset), and queueing the canned answers of
 * emulated SageMaker endpoints (static results). Each takes the server's endpoint URL.
 */
import { EmulatorError } from "./emulator-error";

/** True when the server answers its data.json within `timeoutMs`; false while it is not listening yet. */
export async function motoAnswers(endpoint: string, timeoutMs = 1000): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/moto-api/data.json`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/** Clears every resource in the emulator (about 10 ms). */
export async function resetMoto(endpoint: string): Promise<void> {
  const res = await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
  await res.arrayBuffer();
  if (!res.ok) throw new EmulatorError(`resetting the emulator failed: HTTP ${res.status}`);
}

/** One answer of an emulated SageMaker endpoint. */
export interface CannedEndpointResult {
  Body: string;
  ContentType: string;
  InvokedProductionVariant?: string;
  CustomAttributes?: string;
}

/**
 * moto's endpoints run no model: each InvokeEndpoint with a new request body takes the next answer
 * queued here (the same body gets the same answer again).
 */
export async function queueSageMakerEndpointResults(
  endpoint: string,
  results: CannedEndpointResult[],
  accountId = "123456789012",
  region = "us-east-1",
): Promise<void> {
  const res = await fetch(`${endpoint}/moto-api/static/sagemaker/endpoint-results`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      account_id: accountId,
      region,
      results: results.map((r) => ({ InvokedProductionVariant: "AllTraffic", CustomAttributes: "", ...r })),
    }),
  });
  await res.arrayBuffer();
  if (!res.ok) throw new EmulatorError(`queueing SageMaker endpoint results failed: HTTP ${res.status}`);
}
