// Loads the one native addon (raw_socket.c, built by node-gyp at install into build/Release). Each wrapper
// declares the part of its interface it uses.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

let addon: unknown;

export function loadAddon<T>(): T {
  if (addon) return addon as T;
  // dist/src/native/ -> repo root, where node-gyp leaves build/Release.
  const path = fileURLToPath(new URL('../../../build/Release/raw_socket.node', import.meta.url));
  try {
    addon = createRequire(import.meta.url)(path);
  } catch (e) {
    throw new Error(`cannot load the native addon at ${path} (run \`npm ci\` or \`npx node-gyp rebuild\`): ${(e as Error).message}`);
  }
  return addon as T;
}
