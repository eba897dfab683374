// Where keepalived looks for its configuration; its own module so the command line can name it without
// loading the parser.
export const DEFAULT_CONFIG_FILE = '/etc/keepalived/keepalived.conf';
