// Validates every object of every golden file of the renderers (tests/operator/render/golden/)
// against the official Kubernetes schemas (kubernetes-models) and, for PodMonitors, the
// Prometheus Operator's. Exits 1 when an object is invalid or there is nothing to check.
//   node tests/operator/render/validate_golden.mjs
import {readdirSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {readDocs} from '../../tools/lib/yaml_docs.mjs'
import {validateCoreObject} from '../../tools/lib/core_validator.mjs'

const goldenDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden')
const files = readdirSync(goldenDir)
  .filter((name) => /\.ya?ml$/.test(name))
  .sort()

let passed = 0
let failed = 0
for (const name of files) {
  const docs = readDocs(path.join(goldenDir, name))
  if (docs.length === 0) {
    failed++
    console.log(`FAIL ${name}: no objects`)
  }
  for (const obj of docs) {
    const errors = await validateCoreObject(obj)
    if (errors.length === 0) {
      passed++
    } else {
      failed++
      console.log(`FAIL ${name}: ${obj.kind}/${obj.metadata?.name}\n  ${errors.join('\n  ')}`)
    }
  }
}
if (files.length === 0) {
  failed++
  console.log(`FAIL no golden files in ${goldenDir}`)
}
console.log(`${passed} objects valid, ${failed} failed (${files.length} golden files)`)
process.exit(failed ? 1 : 0)
