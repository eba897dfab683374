// What the loader may ask of the machine it runs on, injected so that building the model stays pure.
export interface FileInfo {
  readonly exists: boolean;
  readonly isFile: boolean;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

export interface ConfigEnv {
  /** The host name (for router_id, smtp_helo_name and notification_email_from defaults). */
  readonly hostname: string;
  /** Whether a network interface exists; undefined: do not check (a config built off the target host). */
  interfaceExists?(name: string): boolean;
  /** stat() of a path and each of its parent directories, for script security; undefined: do not check. */
  fileInfo?(path: string): FileInfo | undefined;
  /** uid/gid of a user name, or undefined if there is no such user. */
  lookupUser?(name: string): { uid: number; gid: number } | undefined;
  /** Resolve a bare command name through PATH. */
  which?(name: string): string | undefined;
  /** The same machine seen from inside network namespace `name`, or undefined if there is none. */
  inNetns?(name: string): ConfigEnv | undefined;
}

export const offlineEnv: ConfigEnv = { hostname: 'localhost' };
