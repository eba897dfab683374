// The desired IPVS table on the points where the UML side-by-side test (test/lab/ipvs-side-by-side.test.ts)
// showed keepalived 2.2.7 programming something else than our model did; each case is keepalived's table.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/index.js';
import { desiredIpvs } from '../../../src/ipvs/desired.js';

const dir = mkdtempSync(join(tmpdir(), 'kt-desired-'));
function desired(body: string) {
  const f = join(dir, `c${Math.random().toString(36).slice(2)}.conf`);
  writeFileSync(f, body);
  return desiredIpvs(loadConfig(f, { configId: 'x', env: { hostname: 'x' } }).config.lvs);
}

/** `service → dest:port weight` lines, sorted. */
function lines(d: ReturnType<typeof desired>): string[] {
  const out: string[] = [];
  for (const { service, dests } of d.table.values()) {
    const svc = service.fwmark ? `FWM ${service.fwmark}` : `${service.addr}:${service.port}`;
    if (dests.size === 0) out.push(svc);
    for (const x of dests.values()) out.push(`${svc} -> ${x.addr}:${x.port} w${x.weight}`);
  }
  return out.sort();
}

test('group entries: a non-NAT destination takes each entry\'s port, 0 on a fwmark entry; NAT keeps its own', () => {
  const d = desired(`
virtual_server_group G {
  10.40.0.1 80
  10.40.0.20 8080
  fwmark 40
}
virtual_server group G {
  protocol TCP
  lb_algo rr
  lb_kind DR
  real_server 10.40.1.1 80 {
    weight 1
  }
  real_server 10.40.1.2 9000 {
    weight 2
    lvs_method NAT
  }
}
`);
  assert.deepEqual(lines(d), [
    '10.40.0.1:80 -> 10.40.1.1:80 w1',
    '10.40.0.1:80 -> 10.40.1.2:9000 w2',
    '10.40.0.20:8080 -> 10.40.1.1:8080 w1',
    '10.40.0.20:8080 -> 10.40.1.2:9000 w2',
    'FWM 40 -> 10.40.1.1:0 w1',
    'FWM 40 -> 10.40.1.2:9000 w2',
  ]);
  // ownership follows: each service owns the destinations it was given
  const owned = [...d.owned.dests.values()].map((s) => [...s].sort().join(' '));
  assert.equal(new Set(owned).size, 3);
});

test('quorum lost with a sorry server: an inhibited real server stays at weight 0, the others leave', () => {
  const d = desired(`
virtual_server 10.50.0.2 80 {
  protocol TCP
  lb_algo rr
  lb_kind NAT
  sorry_server 10.50.1.9 8080
  real_server 10.50.1.1 8080 {
    weight 0
    inhibit_on_failure
  }
  real_server 10.50.1.2 8080 {
    weight 0
  }
}
`);
  assert.deepEqual(lines(d), ['10.50.0.2:80 -> 10.50.1.1:8080 w0', '10.50.0.2:80 -> 10.50.1.9:8080 w1']);
});

test('start-up needs quorum + hysteresis: below it the sorry server is in', () => {
  const vs = (h: number) => `
virtual_server 10.50.0.7 80 {
  protocol TCP
  lb_algo wrr
  lb_kind NAT
  quorum 2
  hysteresis ${h}
  sorry_server 10.50.1.9 8080
  real_server 10.50.1.1 8080 {
    weight 1
  }
  real_server 10.50.1.2 8080 {
    weight 1
  }
}
`;
  assert.deepEqual(lines(desired(vs(1))), ['10.50.0.7:80 -> 10.50.1.9:8080 w1']);
  assert.deepEqual(lines(desired(vs(0))), ['10.50.0.7:80 -> 10.50.1.1:8080 w1', '10.50.0.7:80 -> 10.50.1.2:8080 w1']);
});
