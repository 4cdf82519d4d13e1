// Reads every YAML document of a file or a string, as Kubernetes does (YAML 1.1 scalars: yes/no
// and on/off are booleans there, so a CRD or manifest that relies on YAML 1.2 would differ).
import {readFileSync} from 'node:fs'
import {load} from './npm.mjs'

const YAML = await load('yaml')

export function parseDocs(text, source) {
  return YAML.parseAllDocuments(text, {version: '1.1'})
    .map((doc) => {
      if (doc.errors.length) throw new Error(`${source}: ${doc.errors[0].message}`)
      return doc.toJS({maxAliasCount: 100})
    })
    .filter((obj) => obj !== null && obj !== undefined)
}

export function readDocs(file) {
  return parseDocs(readFileSync(file, 'utf8'), file)
}
