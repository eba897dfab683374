// Used by modules that run INSIDE the UML lab (runNodeInUml): hands a JSON result back to the host.
import { writeFileSync } from 'node:fs';

export function labResultPath(): string {
  const p = process.env.LAB_RESULT;
  if (!p) throw new Error('LAB_RESULT is not set: this module is meant to run inside the UML lab (runNodeInUml)');
  return p;
}

export function writeLabResult(value: unknown): void {
  writeFileSync(labResultPath(), JSON.stringify(value));
}
