// Many cases in one UML boot: each case's output and exit code go to their own files in $LAB_OUT.
import type { UmlResult } from './uml.js';
import { shq } from './shell.js';

export interface CaseResult {
  code: number;
  output: string;
}

function checkCaseName(name: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new Error(`invalid lab case name: ${name}`);
  return name;
}

/** Shell text running `body` in a subshell; a failing case does not stop the batch. */
export function batchCase(name: string, body: string): string {
  const n = shq(checkCaseName(name));
  return `(\nset -e\n${body}\n) > "$LAB_OUT"/${n}.out 2>&1 < /dev/null\necho $? > "$LAB_OUT"/${n}.rc\n`;
}

/** The result of one case of a batch; throws if the batch never reached it. */
export function caseResult(run: UmlResult, name: string): CaseResult {
  const rc = run.files[`${checkCaseName(name)}.rc`];
  if (rc === undefined) {
    throw new Error(`lab case ${name} did not run (batch exit code ${run.code})\n${run.output.split('\n').slice(-30).join('\n')}`);
  }
  return { code: Number.parseInt(rc.trim(), 10), output: run.files[`${name}.out`] ?? '' };
}
