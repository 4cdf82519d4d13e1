// Validates custom resources as the API server would with our CRDs: the openAPIV3Schema (with
// defaults applied and unknown fields rejected, as `kubectl apply` does with strict field
// validation), x-kubernetes-list-type uniqueness, then every x-kubernetes-validations rule
// evaluated with a CEL interpreter. Also checks that a CRD's schema is structural and its rules
// parse. What it cannot do without an API server: estimate the rules' cost.
import {load} from './npm.mjs'

const {default: Ajv} = await load('ajv')
const {default: addFormats} = await load('ajv-formats')
const cel = await load('@marcbachmann/cel-js')

// openAPIV3Schema -> JSON schema for ajv.
function toJsonSchema(s) {
  const out = {}
  for (const [key, value] of Object.entries(s)) {
    if (key.startsWith('x-kubernetes-')) continue
    if (key === 'properties') {
      out.properties = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonSchema(v)]))
    } else if (key === 'items' || (key === 'additionalProperties' && typeof value === 'object')) {
      out[key] = toJsonSchema(value)
    } else {
      out[key] = value
    }
  }
  if (s['x-kubernetes-int-or-string']) out.type = ['integer', 'string']
  if (s.properties && s.additionalProperties === undefined && !s['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = false
  }
  return out
}

// The structural-schema rules of apiextensions.k8s.io/v1 that matter for our generator.
export function structuralErrors(s, path = '') {
  const errors = []
  const typed = s.type || s['x-kubernetes-int-or-string'] || s['x-kubernetes-preserve-unknown-fields']
  if (!typed) errors.push(`${path || '<root>'}: no type`)
  if (s['x-kubernetes-int-or-string'] && s.type) errors.push(`${path}: int-or-string with a type`)
  for (const key of ['allOf', 'anyOf', 'oneOf', 'not']) {
    for (const sub of [].concat(s[key] ?? [])) {
      for (const banned of ['type', 'default', 'description', 'additionalProperties', 'nullable']) {
        if (sub[banned] !== undefined) errors.push(`${path}.${key}: ${banned} is not allowed`)
      }
    }
  }
  if (s.type === 'array' && !s.items) errors.push(`${path}: array without items`)
  for (const [k, v] of Object.entries(s.properties ?? {})) errors.push(...structuralErrors(v, `${path}.${k}`))
  if (s.items) errors.push(...structuralErrors(s.items, `${path}[]`))
  if (typeof s.additionalProperties === 'object') {
    errors.push(...structuralErrors(s.additionalProperties, `${path}{}`))
  }
  for (const rule of s['x-kubernetes-validations'] ?? []) {
    for (const expr of [rule.rule, rule.messageExpression].filter(Boolean)) {
      try {
        cel.parse(expr)
      } catch (e) {
        errors.push(`${path}: CEL does not parse: ${expr}: ${e.message.split('\n')[0]}`)
      }
    }
    if (rule.fieldPath) {
      const field = rule.fieldPath.replace(/^\./, '')
      if (!s.properties?.[field]) errors.push(`${path}: fieldPath ${rule.fieldPath} is not a property`)
    }
  }
  return errors
}

// Every rule of a schema, keyed by where it is: "spec.sources[]#2".
function collectRules(s, path, out) {
  ;(s['x-kubernetes-validations'] ?? []).forEach((rule, i) => out.set(`${path}#${i}`, rule))
  for (const [k, v] of Object.entries(s.properties ?? {})) collectRules(v, path ? `${path}.${k}` : k, out)
  if (s.items) collectRules(s.items, `${path}[]`, out)
  if (typeof s.additionalProperties === 'object') collectRules(s.additionalProperties, `${path}{}`, out)
  return out
}

// A JSON value as CEL sees it: integers of integer fields are ints (BigInt in cel-js).
function toCel(s, v) {
  if (v === null || v === undefined) return v
  if (Array.isArray(v)) return v.map((item) => toCel(s?.items, item))
  if (typeof v === 'object') {
    const out = {}
    for (const [k, item] of Object.entries(v)) {
      const sub = s?.properties?.[k] ?? (typeof s?.additionalProperties === 'object' ? s.additionalProperties : undefined)
      out[k] = toCel(sub, item)
    }
    return out
  }
  if (typeof v === 'number' && Number.isInteger(v) && (!s || s.type !== 'number')) return BigInt(v)
  return v
}

function jsonPath(instancePath) {
  return instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '')
}

export class CrdValidator {
  constructor(crds) {
    this.ajv = new Ajv({allErrors: true, useDefaults: true, strict: false})
    addFormats(this.ajv)
    this.ajv.addFormat('int32', {type: 'number', validate: (n) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31})
    this.ajv.addFormat('int64', {type: 'number', validate: (n) => Number.isInteger(n)})
    this.kinds = new Map()
    for (const crd of crds) {
      for (const version of crd.spec.versions) {
        const schema = version.schema.openAPIV3Schema
        const key = `${crd.spec.group}/${version.name}/${crd.spec.names.kind}`
        this.kinds.set(key, {
          schema,
          validate: this.ajv.compile(toJsonSchema(schema)),
          rules: collectRules(schema, '', new Map()),
        })
      }
    }
  }

  handles(obj) {
    return this.kinds.has(`${obj.apiVersion}/${obj.kind}`)
  }

  // Every rule of every kind: Map "Kind:path#i" -> rule.
  allRules() {
    const out = new Map()
    for (const [key, kind] of this.kinds) {
      for (const [path, rule] of kind.rules) out.set(`${key.split('/').pop()}:${path}`, rule)
    }
    return out
  }

  // {errors: [string], failedRules: Set of "Kind:path#i"}. `obj` is not modified.
  validate(original) {
    const obj = structuredClone(original)
    const kind = this.kinds.get(`${obj.apiVersion}/${obj.kind}`)
    if (!kind) return {errors: [`no CRD for ${obj.apiVersion} ${obj.kind}`], failedRules: new Set()}
    const result = {errors: [], failedRules: new Set()}
    if (!kind.validate(obj)) {
      for (const e of kind.validate.errors) {
        const extra = e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : ''
        result.errors.push(`${jsonPath(e.instancePath) || '<root>'}: ${e.message}${extra}`)
      }
      return result
    }
    this.#walk(kind.schema, obj, '', '', obj.kind, result)
    return result
  }

  #walk(s, value, path, schemaPath, kindName, result) {
    if (value === undefined || value === null || !s) return
    const rules = s['x-kubernetes-validations'] ?? []
    rules.forEach((rule, i) => {
      const self = toCel(s, value)
      let ok
      let message = rule.message
      try {
        ok = cel.evaluate(rule.rule, {self}) === true
        if (!ok && rule.messageExpression) message = cel.evaluate(rule.messageExpression, {self})
      } catch (e) {
        ok = false
        message = `rule failed to evaluate (${rule.rule}): ${e.message.split('\n')[0]}`
      }
      if (!ok) {
        result.errors.push(`${path || '<root>'}${rule.fieldPath ?? ''}: ${message ?? `failed rule: ${rule.rule}`}`)
        result.failedRules.add(`${kindName}:${schemaPath}#${i}`)
      }
    })
    if (Array.isArray(value)) {
      const listType = s['x-kubernetes-list-type']
      if (listType === 'set' || listType === 'map') {
        const keys = s['x-kubernetes-list-map-keys'] ?? []
        const seen = new Set()
        value.forEach((item, i) => {
          const key = JSON.stringify(listType === 'set' ? item : keys.map((k) => item?.[k]))
          if (seen.has(key)) result.errors.push(`${path}[${i}]: Duplicate value: ${key}`)
          seen.add(key)
        })
      }
      value.forEach((item, i) => this.#walk(s.items, item, `${path}[${i}]`, `${schemaPath}[]`, kindName, result))
      return
    }
    if (typeof value === 'object') {
      for (const [k, item] of Object.entries(value)) {
        if (s.properties?.[k]) {
          this.#walk(s.properties[k], item, path ? `${path}.${k}` : k, schemaPath ? `${schemaPath}.${k}` : k, kindName, result)
        } else if (typeof s.additionalProperties === 'object') {
          this.#walk(s.additionalProperties, item, `${path}.${k}`, `${schemaPath}{}`, kindName, result)
        }
      }
    }
  }
}
