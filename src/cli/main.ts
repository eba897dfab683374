#!/usr/bin/env node
// keepalived-ts command line: keepalived(8)'s flags, parsed with commander (the only user of it).
import { Command, Option } from 'commander';
import { SIGNAL_FUNCTIONS } from './signals.js';
import { KEEPALIVED_COMPAT, ourVersion } from './version.js';
import { DEFAULT_CONFIG_FILE } from '../config/paths.js';
import { parseFacility } from '../core/log-format.js';
import { LOG_LEVELS, type LogLevel } from '../core/log-levels.js';

export interface CliOptions {
  useFile: string;
  vrrp?: boolean;
  check?: boolean;
  noBfd?: boolean;
  all?: boolean;
  logConsole?: boolean;
  logDetail?: boolean;
  logFacility?: string;
  /** false with -G (commander's --no-syslog negation). */
  syslog?: boolean;
  logFormat?: 'text' | 'json';
  logLevel?: LogLevel;
  logFile?: string;
  flushLogFile?: boolean;
  umask?: string;
  releaseVips?: boolean;
  dontReleaseVrrp?: boolean;
  dontReleaseIpvs?: boolean;
  dontRespawn?: boolean;
  dontFork?: boolean;
  dumpConf?: boolean;
  pid?: string;
  vrrp_pid?: string;
  checkers_pid?: string;
  bfd_pid?: string;
  genhash?: boolean;
  addressMonitoring?: boolean;
  namespace?: string;
  allConfig?: boolean;
  configId?: string;
  snmp?: boolean;
  snmpAgentSocket?: string;
  coreDump?: boolean;
  coreDumpPattern?: string | boolean;
  signum?: string;
  configTest?: string | boolean;
  version?: boolean;
  dumpConfig?: string | boolean;
  positions?: boolean;
  child?: 'vrrp' | 'checker';
}

export function buildProgram(): Command {
  const p = new Command('keepalived-ts');
  p.description(`A keepalived-compatible control plane for Linux IPVS (follows ${KEEPALIVED_COMPAT}).`)
    .helpOption('-h, --help', 'display this help message')
    .addOption(new Option('-f, --use-file <file>', 'use the specified configuration file').default(DEFAULT_CONFIG_FILE))
    .option('-P, --vrrp', 'only run with VRRP subsystem')
    .option('-C, --check', 'only run with Health-checker subsystem')
    .option('-B, --no_bfd', "don't run BFD subsystem")
    .option('--all', 'force all child processes to run, even if have no configuration')
    .option('-l, --log-console', 'log messages to local console')
    .option('-D, --log-detail', 'detailed log messages')
    .option('-S, --log-facility <facility>', '0-7 or local0-7, user, daemon: set syslog facility')
    .option('-G, --no-syslog', "don't log via syslog")
    .addOption(new Option('--log-format <format>', 'keepalived-ts: log lines as text (keepalived\'s wording) or json (pino, with structured fields)').choices(['text', 'json']).default('text'))
    .addOption(new Option('--log-level <level>', 'keepalived-ts: lowest level logged (default info, debug with -D)').choices([...LOG_LEVELS]))
    .option('-g, --log-file <file>', 'also log to a file (not built into Debian keepalived)')
    .option('--flush-log-file', 'flush the log file after each write')
    .option('-u, --umask <mask>', 'umask for file creation (in numeric form)')
    .option('-X, --release-vips', 'drop VIP on transition from signal')
    .option('-V, --dont-release-vrrp', "don't remove VRRP VIPs and VROUTEs on daemon stop")
    .option('-I, --dont-release-ipvs', "don't remove IPVS topology on daemon stop")
    .option('-R, --dont-respawn', "don't respawn child processes")
    .option('-n, --dont-fork', "don't fork the daemon process")
    .option('-d, --dump-conf', 'dump the configuration data')
    .option('-p, --pid <file>', 'use specified pidfile for parent process')
    .option('-r, --vrrp_pid <file>', 'use specified pidfile for VRRP child process')
    .option('-c, --checkers_pid <file>', 'use specified pidfile for checkers child process')
    .option('-b, --bfd_pid <file>', 'use specified pidfile for BFD child process')
    .option('-T, --genhash', 'enter genhash utility mode')
    .option('-a, --address-monitoring', 'report all address additions/deletions notified via netlink')
    .option('-s, --namespace <name>', 'run in network namespace NAME (overrides config)')
    .option('-e, --all-config', "error if any configuration file is missing (same as includea)")
    .option('-i, --config-id <id>', 'skip any configuration lines beginning @ that don\'t match id; default: host name up to the first dot')
    .option('-x, --snmp', 'enable SNMP subsystem')
    .option('-A, --snmp-agent-socket <file>', 'use the specified socket for master agent')
    .option('-m, --core-dump', 'produce core dump if terminate abnormally')
    .option('-M, --core-dump-pattern [pattern]', 'also set /proc/sys/kernel/core_pattern to PATTERN')
    .option('--signum <function>', 'output signal number for STOP, RELOAD, DATA, STATS, STATS_CLEAR, JSON')
    .option('-t, --config-test [logfile]', 'check the configuration for obvious errors, output to stderr by default')
    .option('-v, --version', 'display the version number')
    .option('--dump-config [format]', 'keepalived-ts: print the effective configuration with all defaults applied (text|json), then exit as -t does')
    .option('--positions', 'keepalived-ts: with --dump-config, show where each object was configured')
    .addOption(new Option('--child <kind>', 'internal: run one child process for a parent').choices(['vrrp', 'checker']).hideHelp())
    .allowExcessArguments(false)
    .exitOverride();
  return p;
}

/** Features whose flags are accepted but whose machinery is not built yet: said clearly, never an "unknown option". */
const NOT_BUILT_YET: Array<[keyof CliOptions, string]> = [
  ['genhash', '-T/--genhash'],
  ['snmp', '-x/--snmp'],
  ['snmpAgentSocket', '-A/--snmp-agent-socket'],
  ['namespace', '-s/--namespace'],
  ['logFile', '-g/--log-file'],
  ['coreDumpPattern', '-M/--core-dump-pattern'],
];

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    const err = e as { exitCode?: number; code?: string };
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help') return 0;
    return err.exitCode ?? 1;
  }
  const opts = program.opts<CliOptions>();

  if (opts.signum !== undefined) {
    const n = SIGNAL_FUNCTIONS[opts.signum.toUpperCase()];
    if (n === undefined) {
      process.stderr.write(`Unknown sigfunc ${opts.signum}\n`);
      return 1;
    }
    process.stdout.write(`${n}\n`);
    return 0;
  }
  if (opts.version) {
    process.stdout.write(`keepalived-ts v${ourVersion()} (compatible with ${KEEPALIVED_COMPAT})\n`);
    return 0;
  }
  if (opts.configTest !== undefined || opts.dumpConfig !== undefined) {
    // loaded only here: a child process never needs the parser (start-up time, memory)
    const { runConfigTest } = await import('./config-test.js');
    return runConfigTest({
      file: opts.useFile,
      configId: opts.configId,
      allConfig: !!opts.allConfig,
      logFile: typeof opts.configTest === 'string' ? opts.configTest : undefined,
      dumpFormat: opts.dumpConfig === undefined || opts.dumpConfig === false ? undefined : opts.dumpConfig === true ? 'text' : opts.dumpConfig,
      positions: !!opts.positions,
    });
  }
  for (const [key, flag] of NOT_BUILT_YET) {
    if (opts[key] !== undefined && opts[key] !== false) process.stderr.write(`keepalived-ts: ${flag} is not supported yet; ignored\n`);
  }
  let facility: number | undefined;
  if (opts.logFacility !== undefined) {
    facility = parseFacility(opts.logFacility);
    // keepalived warns and keeps the default (daemon)
    if (facility === undefined) process.stderr.write(`Invalid log facility '${opts.logFacility}'\n`);
  }
  const { runDaemon } = await import('../core/daemon.js');
  return runDaemon({
    configFile: opts.useFile,
    configId: opts.configId,
    vrrpOnly: !!opts.vrrp,
    checkOnly: !!opts.check,
    logDetail: !!opts.logDetail,
    log: {
      detail: !!opts.logDetail,
      console: !!opts.logConsole,
      syslog: opts.syslog !== false,
      facility,
      json: opts.logFormat === 'json',
      level: opts.logLevel,
    },
    dontReleaseIpvs: !!opts.dontReleaseIpvs,
    dontReleaseVrrp: !!opts.dontReleaseVrrp,
    releaseVips: !!opts.releaseVips,
    dontRespawn: !!opts.dontRespawn,
    pidFile: opts.pid,
    vrrpPidFile: opts.vrrp_pid,
    checkersPidFile: opts.checkers_pid,
    child: opts.child,
    argv,
    resyncMs: process.env.KT_IPVS_RESYNC_MS ? Number(process.env.KT_IPVS_RESYNC_MS) : undefined,
  });
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    process.stderr.write(`keepalived-ts: internal error: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 70; // keepalived's "program error"
  },
);
