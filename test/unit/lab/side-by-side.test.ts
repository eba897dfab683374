// The pure parts of the IPVS side-by-side lab test: stripping checkers, canonical tables, expectations.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { stripCheckers } from '../../lab/side-by-side-strip.js';
import { canonicalListing, compareCase } from '../../lab/side-by-side-compare.js';
import { hasVirtualServer } from '../../lab/side-by-side-cases.js';
import type { DaemonRun } from '../../lab/side-by-side-run.js';

test('checker blocks go, nested blocks, comments and quoted braces included; line count kept', () => {
  const src = [
    'virtual_server 10.0.0.1 80 {',
    '  real_server 10.0.1.1 80 {',
    '    weight 2',
    '    HTTP_GET {',
    '      url { path /a  # a } in a comment',
    '        digest abc',
    '      }',
    '    }',
    '    MISC_CHECK { misc_path "/bin/x }" }',
    '    TCP_CHECK',
    '    {',
    '      connect_timeout 3',
    '    } ! trailing',
    '  }',
    '}',
  ].join('\n');
  const { text, removed } = stripCheckers(src);
  assert.deepEqual(removed, { HTTP_GET: 1, MISC_CHECK: 1, TCP_CHECK: 1 });
  assert.equal(text.split('\n').length, src.split('\n').length);
  assert.doesNotMatch(text, /HTTP_GET|MISC_CHECK|TCP_CHECK|url|digest|connect_timeout/);
  assert.match(text, /weight 2/);
  assert.match(text, /! trailing/);
  assert.equal((text.match(/\{/g) ?? []).length, (text.match(/\}/g) ?? []).length);
});

test('every Debian sample keeps balanced braces once stripped', () => {
  for (const name of ['keepalived.conf.SSL_GET', 'keepalived.conf.SMTP_CHECK', 'keepalived.conf.quorum']) {
    const { text, removed } = stripCheckers(readFileSync(`/usr/share/doc/keepalived/samples/${name}`, 'utf8'));
    assert.ok(Object.keys(removed).length > 0, name);
    const noComments = text.replace(/[#!].*$/gm, '');
    assert.equal((noComments.match(/\{/g) ?? []).length, (noComments.match(/\}/g) ?? []).length, name);
  }
});

test('a virtual_server keyword outside comments', () => {
  assert.ok(hasVirtualServer('virtual_server 1.2.3.4 80 {'));
  assert.ok(hasVirtualServer('@director1 virtual_server 1.2.3.4 80 {'));
  assert.ok(!hasVirtualServer('# virtual_server 1.2.3.4 80 {'));
  assert.ok(!hasVirtualServer('virtual_server_group G {'));
});

const LISTING = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
TCP  10.0.0.2:80 rr
  -> 10.0.1.2:80                  Route   1      0          0
TCP  10.0.0.1:80 wrr persistent 60 mask 255.255.255.0
  -> 10.0.1.9:80                  Masq    3      0          0
  -> 10.0.1.1:80                  Masq    1      0          0
FWM  7 IPv6 rr
  -> [fd00::1]:0                  Route   1      0          0
`;

test('listings: header kept in order, services sorted, each real server under its service key', () => {
  assert.deepEqual(canonicalListing(LISTING), [
    'IP Virtual Server version 1.2.1 (size=4096)',
    'Prot LocalAddress:Port Scheduler Flags',
    '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
    'D FWM 7 IPv6 -> [fd00::1]:0 Route 1 0 0',
    'D TCP 10.0.0.1:80 -> 10.0.1.1:80 Masq 1 0 0',
    'D TCP 10.0.0.1:80 -> 10.0.1.9:80 Masq 3 0 0',
    'D TCP 10.0.0.2:80 -> 10.0.1.2:80 Route 1 0 0',
    'S FWM 7 IPv6 rr',
    'S TCP 10.0.0.1:80 wrr persistent 60 mask 255.255.255.0',
    'S TCP 10.0.0.2:80 rr',
  ]);
});

function fakeRun(listing: string, save: string): DaemonRun {
  const views = { Ln: listing, thresholds: '', persistent: '', save, timeout: '' };
  return {
    started: true, unstable: false, killed: false, exitCode: 0, running: views,
    stopped: { Ln: '', thresholds: '', persistent: '', save: '', timeout: '' }, log: '',
    startMs: 0, captureMs: 0, settleMs: 0, stopMs: 0, totalMs: 0,
  };
}

test('differences are reported per view; an expected difference rewrites ours and is counted', () => {
  const ours = fakeRun(LISTING, '-A -t 10.0.0.1:80 -s wrr -p 60 -M 255.255.255.0\n');
  const theirs = fakeRun(LISTING.replace(' mask 255.255.255.0', ''), '-A -t 10.0.0.1:80 -s wrr -p 60\n');
  const plain = compareCase('c', theirs, ours);
  assert.deepEqual(plain.differences.map((d) => [d.view, d.keepalivedOnly, d.oursOnly]), [
    ['Ln', ['S TCP 10.0.0.1:80 wrr persistent 60'], ['S TCP 10.0.0.1:80 wrr persistent 60 mask 255.255.255.0']],
    ['save', ['-A -t 10.0.0.1:80 -s wrr -p 60'], ['-A -t 10.0.0.1:80 -s wrr -p 60 -M 255.255.255.0']],
  ]);
  const quirk = {
    case: 'c',
    reason: 'test',
    ours: (l: string, view: string) => (view === 'save' ? l.replace(/ -M \S+/, '') : l.replace(/ mask \S+$/, '')),
  };
  const withQuirk = compareCase('c', theirs, ours, [quirk]);
  assert.deepEqual(withQuirk.differences, []);
  assert.equal(withQuirk.rewritten.get(quirk), 2);
  // not applicable to another case
  assert.equal(compareCase('other', theirs, ours, [quirk]).differences.length, 2);
});
