// What runs inside the systemd guest (test/lab/systemd.test.ts): a keepalived.conf, a second one for the
// reload, and a oneshot unit whose script drives keepalived-ts.service with systemctl and records every
// answer as a file under /root/kt-lab (on the guest's hostfs root, so the host reads them after power-off).

export const VIP = '10.99.0.100';

/** VRRP on one end of a veth pair (a lone BACKUP becomes MASTER after the master-down time) and one virtual server. */
export function labConfig(realServers: readonly string[]): string {
  return [
    'global_defs {',
    '  router_id uml_systemd',
    '}',
    'vrrp_instance VI_1 {',
    '  state BACKUP',
    '  interface v0',
    '  virtual_router_id 51',
    '  priority 100',
    '  advert_int 1',
    '  virtual_ipaddress {',
    `    ${VIP}/24`,
    '  }',
    '}',
    `virtual_server ${VIP} 80 {`,
    '  lb_algo rr',
    '  lb_kind NAT',
    '  protocol TCP',
    ...realServers.flatMap((rs) => [
      `  real_server ${rs} 8080 {`,
      '    TCP_CHECK {',
      '      connect_timeout 2',
      '    }',
      '  }',
    ]),
    '}',
    '',
  ].join('\n');
}

export const LAB_UNIT = `[Unit]
Description=keepalived-ts systemd lab run
After=systemd-journald.service network.target

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/kt-lab.sh

[Install]
WantedBy=multi-user.target
`;

/**
 * The steps, each answer in its own file. No ipvsadm before the daemon has started: ipvsadm loads ip_vs
 * itself, which would hide whether the daemon's own generic netlink lookup loaded it (the unit's bounding
 * set has no CAP_SYS_MODULE).
 */
export const LAB_SCRIPT = `#!/bin/bash
out=/root/kt-lab
mkdir -p $out
exec 2>$out/trace
set -x
unit=keepalived-ts.service
show() { systemctl show -p ActiveState -p SubState -p Result -p ExecMainStatus -p StatusText -p MainPID -p NotifyAccess $unit; }
wait_for() { # seconds, command...: until the command succeeds
  local n=$(( $1 * 10 )); shift
  while ! "$@" >/dev/null 2>&1 && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
}
has_vip() { ip -br addr show dev v0 | grep -q " ${VIP}/"; }
rs_count() { [ "$(ipvsadm -Ln | grep -c -- '->.*:8080')" = "$1" ]; }

ip link add v0 type veth peer name v1 && ip link set v0 up && ip link set v1 up && ip addr add 10.99.0.1/24 dev v0
lsmod > $out/lsmod-before

t0=$(date +%s%N)
systemctl start $unit; echo $? > $out/start.rc
echo $(( ($(date +%s%N) - t0) / 1000000 )) > $out/start.ms
show > $out/show-started
lsmod > $out/lsmod-started
pid=$(systemctl show -p MainPID --value $unit)
tr '\\0' ' ' < /proc/$pid/cmdline > $out/cmdline
grep '^CapBnd' /proc/$pid/status > $out/capbnd
wait_for 20 has_vip
ip -br addr show dev v0 > $out/addr-master
ipvsadm -Ln > $out/ipvs-started

cp /etc/keepalived/keepalived.conf.reload /etc/keepalived/keepalived.conf
systemctl reload $unit; echo $? > $out/reload.rc
wait_for 10 rs_count 2
show > $out/show-reloaded
ipvsadm -Ln > $out/ipvs-reloaded
[ "$(systemctl show -p MainPID --value $unit)" = "$pid" ]; echo $? > $out/same-pid

systemctl stop $unit; echo $? > $out/stop.rc
show > $out/show-stopped
ip -br addr show dev v0 > $out/addr-stopped
ipvsadm -Ln > $out/ipvs-stopped
journalctl -u $unit --no-pager -o short-monotonic > $out/journal
journalctl -u $unit --no-pager -o json _PID=$pid > $out/journal.json
touch $out/done
systemctl poweroff --no-block
`;
