// Validates every pod of the webhook's golden files (tests/operator/webhook/golden/: pods after
// the sidecar-injection JSONPatch) against the official Kubernetes schemas (kubernetes-models),
// and checks what the schema cannot: the agent is a native sidecar (an initContainer with
// restartPolicy Always), every volume a container mounts exists, names are unique.
// Exits 1 when a pod is invalid or there is nothing to check.
//   node tests/operator/webhook/validate_injected.mjs
import {readdirSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {readDocs} from '../../tools/lib/yaml_docs.mjs'
import {validateCoreObject} from '../../tools/lib/core_validator.mjs'

const goldenDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden')
const files = readdirSync(goldenDir)
  .filter((name) => /\.ya?ml$/.test(name))
  .sort()

function podErrors(pod) {
  const errors = []
  const spec = pod.spec ?? {}
  const volumes = new Set((spec.volumes ?? []).map((v) => v.name))
  if (volumes.size !== (spec.volumes ?? []).length) errors.push('duplicate volume names')
  const all = [...(spec.initContainers ?? []), ...(spec.containers ?? [])]
  const names = new Set(all.map((c) => c.name))
  if (names.size !== all.length) errors.push('duplicate container names')
  for (const c of all) {
    const paths = new Set()
    for (const m of c.volumeMounts ?? []) {
      if (!volumes.has(m.name)) errors.push(`${c.name} mounts missing volume ${m.name}`)
      if (paths.has(m.mountPath)) errors.push(`${c.name} mounts ${m.mountPath} twice`)
      paths.add(m.mountPath)
    }
  }
  const agent = (spec.initContainers ?? []).find((c) => c.name === 'acequia-agent')
  if (agent && agent.restartPolicy !== 'Always') errors.push('acequia-agent is not a native sidecar')
  if ((spec.containers ?? []).some((c) => c.name === 'acequia-agent')) {
    errors.push('acequia-agent must be an initContainer, not a container')
  }
  return errors
}

let passed = 0
let failed = 0
for (const name of files) {
  const docs = readDocs(path.join(goldenDir, name))
  if (docs.length === 0) {
    failed++
    console.log(`FAIL ${name}: no objects`)
  }
  for (const obj of docs) {
    const errors = [...(await validateCoreObject(obj)), ...podErrors(obj)]
    if (errors.length === 0) {
      passed++
    } else {
      failed++
      console.log(`FAIL ${name}: ${obj.kind}/${obj.metadata?.name ?? obj.metadata?.generateName}\n  ${errors.join('\n  ')}`)
    }
  }
}
if (files.length === 0) {
  failed++
  console.log(`FAIL no golden files in ${goldenDir}`)
}
console.log(`${passed} pods valid, ${failed} failed (${files.length} golden files)`)
process.exit(failed ? 1 : 0)
