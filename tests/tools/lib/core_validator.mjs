// Validates built-in Kubernetes objects against the official OpenAPI schemas (kubernetes-models)
// and Prometheus Operator objects against theirs (@kubernetes-models/prometheus-operator).
import {load} from './npm.mjs'

function modulePath(apiVersion) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion]
  if (group === 'monitoring.coreos.com') {
    return `@kubernetes-models/prometheus-operator/${group}/${version}`
  }
  return group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`
}

// Returns a list of error strings (empty: valid).
export async function validateCoreObject(obj) {
  const where = `${obj.kind}/${obj.metadata?.name}`
  let mod
  try {
    mod = await load(modulePath(obj.apiVersion))
  } catch {
    return [`${where}: no schema for apiVersion ${obj.apiVersion}`]
  }
  const Model = mod[obj.kind] ?? mod.default?.[obj.kind]
  if (!Model) return [`${where}: no schema for kind ${obj.kind} in ${obj.apiVersion}`]
  try {
    new Model(obj).validate()
    return []
  } catch (e) {
    return [`${where}: ${e.message}`]
  }
}
