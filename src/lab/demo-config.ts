// The demo's keepalived.conf (src/lab/demo.ts): one file for both directors, as an operator would copy it.
// `@dir1` / `@dir2` lines are kept only by the daemon started with that config id (-i).

export const VIP = '10.0.1.100';
export const REAL_SERVERS = [1, 2, 3].map((i) => ({ name: `rs${i}`, ip: `10.0.1.1${i}` }));

export const DEMO_CONFIG = `# keepalived-ts demo: an LVS-DR director pair, weighted round robin over three web servers
global_defs {
    @dir1 router_id dir1
    @dir2 router_id dir2
}
vrrp_instance VI_1 {
    @dir1 state MASTER
    @dir2 state BACKUP
    interface eth0
    virtual_router_id 51
    @dir1 priority 150
    @dir2 priority 100
    advert_int 1
    virtual_ipaddress {
        ${VIP}/24 dev eth0
    }
}
virtual_server ${VIP} 80 {
    protocol TCP
    lb_algo wrr
    lb_kind DR
    delay_loop 1
${REAL_SERVERS.map(
  (rs, i) => `    real_server ${rs.ip} 80 {
        weight ${3 - i}
        HTTP_GET {
            url {
                path /
                status_code 200
            }
            connect_timeout 1
            retry 0
        }
    }
`,
).join('')}}
`;
