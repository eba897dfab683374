import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/index.js';
import { formatCheckerData } from '../../../src/core/checker-dump.js';

test('the checker data dump lists every virtual server with its quorum and every real server with its health', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kt-dump-'));
  try {
    const file = join(dir, 'k.conf');
    writeFileSync(file, `virtual_server 10.0.0.1 80 {
  protocol TCP
  lb_algo wrr
  sorry_server 10.0.2.9 80
  real_server 10.0.2.1 80 {
    weight 3
    TCP_CHECK {
      connect_timeout 1
    }
  }
  real_server 10.0.2.2 80 {
    inhibit_on_failure
  }
}
`);
    const { config } = loadConfig(file);
    const text = formatCheckerData(
      config.lvs,
      { realServer: (_vs, rs) => ({ alive: rs.port === 80 && rs.key.includes('10.0.2.2') }), quorumUp: () => false },
      { running: 1, queued: 0 },
    );
    assert.match(text, /^------< Health checkers >------\n running = 1\n queued = 0\n/);
    assert.match(text, / VS = \[10\.0\.0\.1\]:tcp:80\n   delay_loop = 60, lb_algo = wrr, quorum = 1, hysteresis = 0, quorum state = DOWN\n   sorry server = \[10\.0\.2\.9\]:tcp:80\n/);
    assert.match(text, /   RS = \[10\.0\.2\.1\]:tcp:80, weight = 3, alive = no, checkers = TCP_CHECK\n/);
    assert.match(text, /   RS = \[10\.0\.2\.2\]:tcp:80, weight = 1, alive = yes, checkers = none, inhibit_on_failure\n/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
