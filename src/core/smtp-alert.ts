// smtp_alert: keepalived's e-mail on a state change, sent to notification_email through smtp_server with
// keepalived's dialogue (HELO, MAIL FROM, one RCPT TO per address, DATA, QUIT), headers and log lines
// (keepalived/core/smtp.c). Every mail is its own connection, timed out after smtp_connect_timeout; a
// failure is logged and lost, as in keepalived, and never holds anything else up.
import { connect, type Socket } from 'node:net';
import type { GlobalDefs } from '../config/model/global.js';
import type { Log } from '../lib/log.js';

export type SmtpSettings = Pick<GlobalDefs, 'notificationEmail' | 'notificationEmailFrom' | 'smtpServer' | 'smtpHeloName' | 'smtpConnectTimeout' | 'routerId'>;

/** keepalived's subject: `[router_id] VRRP Instance VI_1 - Entering MASTER state`. */
export function alertSubject(routerId: string | undefined, what: string, subject: string): string {
  return `${routerId ? `[${routerId}] ` : ''}${what} - ${subject}`;
}

/** The DATA part, keepalived's headers in keepalived's order, ending with the lone dot. */
export function alertMessage(s: SmtpSettings, subject: string, body: string, date: Date): string {
  return `Date: ${rfc822(date)}\r\nFrom: ${s.notificationEmailFrom}\r\nSubject: ${subject}\r\n` +
    `X-Mailer: Keepalived\r\nTo: ${s.notificationEmail.join(', ')}\r\n\r\n${body}\r\n\r\n.\r\n`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** strftime's "%a, %d %b %Y %H:%M:%S %z" in local time. */
export function rfc822(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const zone = `${off >= 0 ? '+' : '-'}${p(Math.floor(Math.abs(off) / 60))}${p(Math.abs(off) % 60)}`;
  return `${DAYS[d.getDay()]}, ${p(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${zone}`;
}

export class SmtpAlerter {
  constructor(private readonly settings: () => SmtpSettings, private readonly log: Log) {}

  /** Sends one alert unless no address or no server is configured (keepalived's condition). Never rejects. */
  async send(subject: string, body: string): Promise<void> {
    const s = this.settings();
    if (s.notificationEmail.length === 0 || !s.smtpServer) return;
    const host = s.smtpServer.address?.text ?? s.smtpServer.host;
    const where = `[${host}]:${s.smtpServer.port}`;
    try {
      await dialogue(host, s.smtpServer.port, s.smtpConnectTimeout * 1000, [
        [undefined, 220],
        [`HELO ${s.smtpHeloName}\r\n`, 250, 'HELO'],
        [`MAIL FROM:<${s.notificationEmailFrom}>\r\n`, 250, 'MAIL'],
        ...s.notificationEmail.map((to): Step => [`RCPT TO:<${to}>\r\n`, 250, 'RCPT']),
        ['DATA\r\n', 354, 'DATA'],
        [alertMessage(s, subject, body, new Date()), 250, 'BODY'],
        ['QUIT\r\n', 221, 'QUIT'],
      ]);
      this.log.debug('SMTP alert successfully sent.', { event: 'smtp.sent', subject });
    } catch (e) {
      const err = e as Error & { cmd?: string; status?: number };
      const msg = err.cmd !== undefined
        ? `Error processing ${err.cmd} cmd on SMTP server ${where}. SMTP status code = ${err.status}`
        : err.message === 'timeout' ? `Timeout connecting SMTP server ${where}.` : `SMTP connection ERROR to ${where}.`;
      this.log.info(msg, { event: 'smtp.failed', subject, error: err.message });
    }
  }
}

/** What to send (nothing: just read the greeting), the code expected back, and the command's name for errors. */
type Step = [send: string | undefined, expect: number, cmd?: string];

/** One SMTP conversation; rejects on a wrong code (with cmd and status), a timeout or a socket error. */
function dialogue(host: string, port: number, timeoutMs: number, steps: Step[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock: Socket = connect({ host, port });
    let buf = '';
    let i = 0;
    const timer = setTimeout(() => fail(new Error('timeout')), timeoutMs);
    const done = () => {
      clearTimeout(timer);
      sock.destroy();
    };
    const fail = (e: Error) => {
      done();
      reject(e);
    };
    const next = () => {
      const step = steps[i];
      if (!step) {
        done();
        return resolve();
      }
      if (step[0] !== undefined) sock.write(step[0]);
    };
    sock.setEncoding('utf8');
    sock.on('error', (e) => fail(e));
    sock.on('close', () => fail(new Error('closed')));
    sock.on('data', (d: string) => {
      buf += d;
      // a reply ends with a line "NNN text" (continuation lines are "NNN-text")
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl).replace(/\r$/, '');
        buf = buf.slice(nl + 1);
        if (/^\d{3}-/.test(line)) continue;
        const status = Number(line.slice(0, 3));
        const step = steps[i]!;
        if (status !== step[1]) return fail(Object.assign(new Error(line), { cmd: step[2] ?? 'greeting', status }));
        i++;
        next();
        if (i >= steps.length) return;
      }
    });
    // the greeting step sends nothing: wait for the server's 220
  });
}
