// Loads the test tools installed by scripts/setup-npm into tools/npm/node_modules, wherever the
// calling script lives (Node resolves bare imports only from the importing file's folders).
import {createRequire} from 'node:module'
import {existsSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const npmDir = path.join(root, 'tools/npm')
const require = createRequire(path.join(npmDir, 'package.json'))

if (!existsSync(path.join(npmDir, 'node_modules'))) {
  console.error('tools/npm/node_modules is missing: run scripts/setup-npm')
  process.exit(1)
}

export async function load(name) {
  return import(pathToFileURL(require.resolve(name)).href)
}

export const helm = path.join(root, '.tools/bin/helm')
