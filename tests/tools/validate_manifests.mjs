// Validates the CRDs, every manifest under examples/, and the valid/invalid pairs under
// tests/tools/testdata against the CRDs (schema + CEL rules), and checks that every CEL rule is
// exercised by at least one invalid manifest. The C++ side of the same pairs is
// tests/tools/crd_schema_test.cc.
//   node tests/tools/validate_manifests.mjs
import {readdirSync, readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import {root} from './lib/npm.mjs'
import {readDocs} from './lib/yaml_docs.mjs'
import {validateCoreObject} from './lib/core_validator.mjs'
import {CrdValidator, structuralErrors} from './lib/crd_validator.mjs'

let passed = 0
let failed = 0
function check(ok, what, detail = '') {
  if (ok) {
    passed++
  } else {
    failed++
    console.log(`FAIL ${what}${detail ? `\n  ${detail.replaceAll('\n', '\n  ')}` : ''}`)
  }
}

function yamlFiles(dir) {
  return readdirSync(dir)
    .flatMap((name) => {
      const full = path.join(dir, name)
      return statSync(full).isDirectory() ? yamlFiles(full) : /\.ya?ml$/.test(name) ? [full] : []
    })
    .sort()
}
const rel = (file) => path.relative(root, file)

// 1. The CRDs: valid CustomResourceDefinitions, structural schemas, rules that parse.
const crds = yamlFiles(path.join(root, 'crds')).flatMap(readDocs)
check(crds.length === 2, 'crds/ holds the Flow and ImportJob CRDs', `found ${crds.length}`)
for (const crd of crds) {
  const errors = await validateCoreObject(crd)
  check(errors.length === 0, `${crd.metadata.name} is a valid CustomResourceDefinition`, errors.join('\n'))
  for (const version of crd.spec.versions) {
    const errors = structuralErrors(version.schema.openAPIV3Schema)
    check(errors.length === 0, `${crd.metadata.name} ${version.name} schema is structural`, errors.join('\n'))
  }
}
const validator = new CrdValidator(crds)

// 2. Every example: our resources against the CRDs, anything else against Kubernetes' schemas.
for (const file of yamlFiles(path.join(root, 'examples'))) {
  for (const obj of readDocs(file)) {
    const errors = validator.handles(obj) ? validator.validate(obj).errors : await validateCoreObject(obj)
    check(errors.length === 0, `${rel(file)}: ${obj.kind}/${obj.metadata?.name} is valid`, errors.join('\n'))
  }
}

// 3. The valid/invalid pairs, and which rules they exercise.
const exercised = new Set()
for (const kind of ['flows', 'imports']) {
  for (const verdict of ['valid', 'invalid']) {
    const files = yamlFiles(path.join(root, 'tests/tools/testdata', kind, verdict))
    check(files.length > 0, `tests/tools/testdata/${kind}/${verdict} has manifests`)
    for (const file of files) {
      const expected = readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('# crd: '))
        .map((line) => line.slice('# crd: '.length))
      for (const obj of readDocs(file)) {
        const {errors, failedRules} = validator.validate(obj)
        failedRules.forEach((r) => exercised.add(r))
        if (verdict === 'valid') {
          check(errors.length === 0, `${rel(file)} is accepted by the CRD`, errors.join('\n'))
        } else {
          check(errors.length > 0, `${rel(file)} is rejected by the CRD`)
          check(expected.length > 0, `${rel(file)} has a "# crd:" line`)
          for (const e of expected) {
            check(errors.some((error) => error.includes(e)), `${rel(file)} is rejected with "${e}"`, `got:\n${errors.join('\n')}`)
          }
        }
      }
    }
  }
}
for (const [key, rule] of validator.allRules()) {
  check(exercised.has(key), `CEL rule ${key} is broken by some tests/tools/testdata/*/invalid manifest`, rule.rule)
}

console.log(`${passed} passed, ${failed} failed`)
process.exit(failed ? 1 : 0)
