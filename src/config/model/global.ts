// global_defs: typed, with keepalived 2.2.7's defaults. (Owned by the VRRP/global schema work.)
export interface GlobalDefs {
  routerId: string;
  enableScriptSecurity: boolean;
  /** script_user; undefined = keepalived's default (keepalived_script if it exists, else root). */
  scriptUser?: string;
  scriptGroup?: string;
}

export function defaultGlobalDefs(hostname: string): GlobalDefs {
  return { routerId: hostname, enableScriptSecurity: false };
}
