/**
 * What the local emulator's modules share: the one error they throw (finding or installing moto,
 * starting and stopping it, calling its moto-api) and their progress callback. A file of its own,
 * so that moto-install.ts, moto-api.ts and emulator.ts need not import one another for it.
 */

export class EmulatorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EmulatorError";
  }
}

export type Progress = (line: string) => void;
