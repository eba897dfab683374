// The demo's client (runs inside the UML lab, in the client namespace): one HTTP GET to the VIP every
// interval, each on its own connection (so IPVS schedules every one), never waiting for the previous one,
// so the stream stays steady while a director or a real server dies. Each finished request is one line
// `sentMs doneMs outcome` (epoch ms; outcome = the real server's name from the body, or fail:<reason>)
// appended to the log; the demo's shell reads it with awk. Starts when the go file exists; on SIGTERM it
// stops sending and exits once the requests in flight have finished (each has its own timeout).
//   node demo-client.js VIP PORT INTERVAL_MS TIMEOUT_MS LOG GO_FILE
import http from 'node:http';
import { existsSync, openSync, writeSync } from 'node:fs';

const [host, portText, intervalText, timeoutText, logPath, goPath] = process.argv.slice(2);
if (!host || !portText || !intervalText || !timeoutText || !logPath || !goPath) {
  process.stderr.write('usage: demo-client VIP PORT INTERVAL_MS TIMEOUT_MS LOG GO_FILE\n');
  process.exit(2);
}
const port = Number(portText);
const intervalMs = Number(intervalText);
const timeoutMs = Number(timeoutText);
const log = openSync(logPath, 'a');
let inFlight = 0;
let stopping = false;

/** One write per line, so a reader never sees half a line. */
function record(sent: number, outcome: string): void {
  writeSync(log, `${sent} ${Date.now()} ${outcome}\n`);
}

function once(): void {
  const sent = Date.now();
  inFlight++;
  let done = false;
  const finish = (outcome: string) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    record(sent, outcome);
    inFlight--;
    if (stopping && inFlight === 0) process.exit(0);
  };
  // a whole-request deadline: a SYN into a dead director's MAC gets no answer at all
  const timer = setTimeout(() => {
    req.destroy();
    finish('fail:timeout');
  }, timeoutMs);
  const req = http.get({ host, port, path: '/', agent: false }, (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (d: string) => (body += d));
    res.on('end', () => finish(res.statusCode === 200 && /^[\w-]+$/.test(body.trim()) ? body.trim() : `fail:http-${res.statusCode}`));
    res.on('error', () => finish('fail:reset'));
  });
  req.on('error', (e: NodeJS.ErrnoException) => finish(`fail:${(e.code ?? 'error').toLowerCase()}`));
}

const quitIdle = () => process.exit(0); // before go: nothing in flight

function start(): void {
  process.off('SIGTERM', quitIdle);
  const tick = setInterval(() => {
    if (!stopping) once();
  }, intervalMs);
  process.on('SIGTERM', () => {
    stopping = true;
    clearInterval(tick);
    if (inFlight === 0) process.exit(0);
  });
  once();
}

const wait = setInterval(() => {
  if (existsSync(goPath)) {
    clearInterval(wait);
    start();
  }
}, 20);
process.on('SIGTERM', quitIdle);
