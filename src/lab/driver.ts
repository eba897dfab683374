// One long-lived Node "driver" inside the lab: the pattern the lab tests and benches share (Node takes about a
// second to start inside UML, so one process runs a whole scenario). The host writes the driver's input as
// JSON, the script builds the network, runs the driver in one namespace, and the driver leaves its result
// in $LAB_RESULT (inside.ts: writeLabResult), which comes back here parsed.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { shq } from './shell.js';
import { runInUml, UmlScriptError, type UmlOptions, type UmlResult } from './uml.js';

export interface DriverRun {
  /** A directory on the host file system for the input file (hostfs: the lab reads it as it is). */
  dir: string;
  input: unknown;
  /** Bash text that builds the network (run with `set -e`). */
  network: string;
  /** The namespace the driver runs in. */
  ns: string;
  /** The driver module (a built .js file). */
  driver: string;
  /** What the driver is called in errors. */
  name: string;
  uml: UmlOptions;
}

export async function runDriverInUml<T>(o: DriverRun): Promise<{ result: T; run: UmlResult }> {
  const inputFile = join(o.dir, 'input.json');
  await writeFile(inputFile, JSON.stringify(o.input));
  const script = [
    'set -e',
    o.network,
    'set +e',
    'export LAB_RESULT="$LAB_OUT/result.json"',
    `ip netns exec ${shq(o.ns)} node ${shq(o.driver)} ${shq(inputFile)}`,
  ].join('\n');
  const run = await runInUml(script, o.uml);
  const text = run.files['result.json'];
  if (text === undefined) {
    throw new UmlScriptError(`the ${o.name} wrote no result (batch exit ${run.code})\n${run.output.split('\n').slice(-40).join('\n')}`);
  }
  return { result: JSON.parse(text) as T, run };
}
