// Lints and renders helm/acequia with one values file (default: the chart's own values) and
// validates every rendered object: built-in kinds against the Kubernetes schemas, ServiceMonitors
// against the Prometheus Operator's, the CRDs against crds/. Then checks what the chart promises:
// restricted pod security, least-privilege RBAC, leader election with 2 replicas by default.
//   node tests/tools/chart.mjs [--values helm/acequia/ci/monitoring-values.yaml]
import {execFileSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import path from 'node:path'
import {isDeepStrictEqual} from 'node:util'
import {helm, root} from './lib/npm.mjs'
import {parseDocs, readDocs} from './lib/yaml_docs.mjs'
import {validateCoreObject} from './lib/core_validator.mjs'

const args = process.argv.slice(2)
const values = args[0] === '--values' ? args[1] : undefined
const chart = path.join(root, 'helm/acequia')
const valuesArgs = values ? ['-f', values] : []
const label = values ? path.basename(values) : 'default values'

let passed = 0
let failed = 0
function check(ok, what, detail = '') {
  if (ok) {
    passed++
  } else {
    failed++
    console.log(`FAIL [${label}] ${what}${detail ? `\n  ${String(detail).replaceAll('\n', '\n  ')}` : ''}`)
  }
}
function run(argv) {
  try {
    return {ok: true, out: execFileSync(helm, argv, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})}
  } catch (e) {
    return {ok: false, out: `${e.stdout ?? ''}${e.stderr ?? ''}`}
  }
}

if (!existsSync(helm)) {
  console.log('FAIL .tools/bin/helm is missing: run scripts/setup-npm')
  process.exit(1)
}

const lint = run(['lint', '--strict', chart, ...valuesArgs])
check(lint.ok, 'helm lint --strict', lint.out)

const namespace = 'acequia-system'
const rendered = run(['template', 'acequia', chart, '--namespace', namespace, '--include-crds', ...valuesArgs])
check(rendered.ok, 'helm template', rendered.out)
if (!rendered.ok) {
  console.log(`${passed} passed, ${failed} failed`)
  process.exit(1)
}
const objects = parseDocs(rendered.out, 'helm template')
const byKind = (kind) => objects.filter((o) => o.kind === kind)

// Every object is valid for its schema.
for (const obj of objects) {
  const errors = await validateCoreObject(obj)
  check(errors.length === 0, `${obj.kind}/${obj.metadata?.name} is valid`, errors.join('\n'))
  check(obj.metadata?.labels?.['app.kubernetes.io/part-of'] === 'acequia', `${obj.kind}/${obj.metadata?.name} is labelled part-of acequia`)
}

// The CRDs the chart installs are crds/ (kept identical; crd_schema_tests checks the bytes).
const crds = yamlDocsOf('crds')
check(byKind('CustomResourceDefinition').length === crds.length, 'the chart installs every CRD')
for (const crd of crds) {
  const installed = byKind('CustomResourceDefinition').find((c) => c.metadata.name === crd.metadata.name)
  check(isDeepStrictEqual(installed, crd), `the chart's ${crd.metadata.name} is crds/${crd.metadata.name}.yaml`)
}
function yamlDocsOf(dir) {
  return ['flows.acequia.io.yaml', 'importjobs.acequia.io.yaml'].flatMap((f) => readDocs(path.join(root, dir, f)))
}

// The operator: restricted pod security, probes, leader election when there are replicas.
const [deployment] = byKind('Deployment')
check(byKind('Deployment').length === 1, 'one Deployment (the operator)')
const pod = deployment.spec.template.spec
check(pod.securityContext?.runAsNonRoot === true, 'pod runs as non-root')
check(pod.securityContext?.seccompProfile?.type === 'RuntimeDefault', 'pod uses the RuntimeDefault seccomp profile')
for (const c of pod.containers) {
  const sc = c.securityContext ?? {}
  check(sc.allowPrivilegeEscalation === false, `${c.name}: no privilege escalation`)
  check(sc.readOnlyRootFilesystem === true, `${c.name}: read-only root filesystem`)
  check(isDeepStrictEqual(sc.capabilities?.drop, ['ALL']) && !sc.capabilities?.add, `${c.name}: drops ALL capabilities`)
  check(sc.privileged !== true, `${c.name}: not privileged`)
  check(c.livenessProbe && c.readinessProbe, `${c.name}: has liveness and readiness probes`)
  check(c.resources?.requests, `${c.name}: requests resources`)
}
const leaderElect = pod.containers[0].args.includes('--leader-elect')
if (deployment.spec.replicas > 1) check(leaderElect, 'more than one replica needs --leader-elect')
if (!values) {
  check(deployment.spec.replicas === 2, 'two replicas by default')
  check(byKind('PodDisruptionBudget').length === 1, 'a PodDisruptionBudget by default')
  check(byKind('Service').some((s) => s.metadata.name === 'acequia-metrics'), 'a metrics Service by default')
  check(byKind('Service').some((s) => s.metadata.name === 'acequia-webhook'), 'a webhook Service by default')
}
for (const pdb of byKind('PodDisruptionBudget')) {
  const min = pdb.spec.minAvailable
  check(typeof min !== 'number' || min < deployment.spec.replicas, 'the PodDisruptionBudget lets a node drain', `minAvailable ${min}, replicas ${deployment.spec.replicas}`)
}

// RBAC: only the resources and verbs DESIGN.md's operator uses, never wildcards; Secrets only for
// the webhook's certificate, in the release namespace (checked below).
const allowed = {
  'acequia.io': {
    flows: 'get list watch patch update', importjobs: 'get list watch patch update',
    'flows/status': 'get patch update', 'importjobs/status': 'get patch update',
    'flows/finalizers': 'update', 'importjobs/finalizers': 'update',
  },
  '': {configmaps: 'get list watch create patch update delete', services: 'get list watch create patch update delete', pods: 'get list watch', secrets: 'get create update'},
  apps: {deployments: 'get list watch create patch update delete', statefulsets: 'get list watch create patch update delete'},
  batch: {jobs: 'get list watch create patch update delete'},
  'events.k8s.io': {events: 'create patch list'},
  'coordination.k8s.io': {leases: 'get create update'},
  'monitoring.coreos.com': {podmonitors: 'get list watch create patch update delete'},
  // The admission webhooks: the caBundle of their configurations (and core/secrets above).
  'admissionregistration.k8s.io': {mutatingwebhookconfigurations: 'get patch update', validatingwebhookconfigurations: 'get patch update'},
}
const roles = [...byKind('ClusterRole'), ...byKind('Role')]
check(roles.length > 0, 'RBAC is rendered')
for (const role of roles) {
  for (const rule of role.rules) {
    for (const group of rule.apiGroups) {
      for (const resource of rule.resources) {
        const verbs = allowed[group]?.[resource]?.split(' ')
        check(verbs, `${role.kind}/${role.metadata.name}: ${group || 'core'}/${resource} is one the operator uses`)
        for (const verb of rule.verbs) {
          check(verbs?.includes(verb), `${role.kind}/${role.metadata.name}: ${verb} ${group || 'core'}/${resource} is needed`)
        }
      }
    }
  }
}
for (const binding of [...byKind('ClusterRoleBinding'), ...byKind('RoleBinding')]) {
  const target = roles.find((r) => r.kind === binding.roleRef.kind && r.metadata.name === binding.roleRef.name && (r.kind === 'ClusterRole' || r.metadata.namespace === binding.metadata.namespace))
  check(target, `${binding.kind}/${binding.metadata.name} binds a role of the chart`)
  for (const s of binding.subjects) {
    check(s.kind === 'ServiceAccount' && s.name === pod.serviceAccountName && s.namespace === namespace, `${binding.kind}/${binding.metadata.name} binds the operator's ServiceAccount`)
  }
}
// The webhooks' RBAC: exactly when they are served; Secrets in a Role of the release namespace
// (get/update by name; create cannot be limited by name), webhook configurations by name.
const operatorArgs = pod.containers[0].args
const webhookServed = !operatorArgs.includes('--webhook-bind-address=0')
const webhookRules = roles.flatMap((r) => r.rules.map((rule) => ({role: r, rule})))
  .filter(({rule}) => rule.resources.some((res) => ['secrets', 'mutatingwebhookconfigurations', 'validatingwebhookconfigurations'].includes(res)))
check(webhookServed === (webhookRules.length > 0), 'webhook RBAC exactly when the webhooks are served')
for (const {role, rule} of webhookRules) {
  const where = `${role.kind}/${role.metadata.name}`
  if (rule.resources.includes('secrets')) {
    check(role.kind === 'Role' && role.metadata.namespace === namespace, `${where}: Secrets only in the release namespace`)
    check(isDeepStrictEqual(rule.resources, ['secrets']), `${where}: a Secrets rule grants nothing else`)
    const secret = operatorArgs.find((a) => a.startsWith('--webhook-secret-name='))?.split('=')[1]
    if (!isDeepStrictEqual(rule.verbs, ['create'])) {
      check(isDeepStrictEqual(rule.resourceNames, [secret]), `${where}: Secrets read and updated only by name (${secret})`, JSON.stringify(rule))
    }
  } else {
    const names = ['--mutating-webhook-configuration=', '--validating-webhook-configuration=']
      .map((flag) => operatorArgs.find((a) => a.startsWith(flag))?.split('=')[1])
    check(rule.resourceNames?.length > 0 && rule.resourceNames.every((n) => names.includes(n)), `${where}: webhook configurations only by name`, JSON.stringify(rule))
  }
}
if (webhookServed) {
  const port = pod.containers[0].ports.find((p) => p.name === 'webhook')
  check(port, 'the operator container exposes the webhook port')
  const service = byKind('Service').find((s) => s.spec.ports.some((p) => p.targetPort === 'webhook'))
  check(service && service.spec.ports[0].port === 443, 'a Service sends 443 to the webhook port')
  check(operatorArgs.includes(`--webhook-service-name=${service?.metadata.name}`), 'the certificate names the webhook Service')
  const [mutating] = byKind('MutatingWebhookConfiguration')
  const [validating] = byKind('ValidatingWebhookConfiguration')
  check(mutating && validating, 'a Mutating- and a ValidatingWebhookConfiguration')
  for (const hook of [...(mutating?.webhooks ?? []), ...(validating?.webhooks ?? [])]) {
    check(hook.clientConfig.service?.name === service?.metadata.name && hook.clientConfig.service?.namespace === namespace, `${hook.name} calls the webhook Service`)
    check(!hook.clientConfig.caBundle, `${hook.name}: caBundle is the operator's to write`)
    check(hook.sideEffects === 'None' && isDeepStrictEqual(hook.admissionReviewVersions, ['v1']), `${hook.name}: v1 reviews without side effects`)
  }
  for (const hook of mutating?.webhooks ?? []) {
    const excluded = hook.namespaceSelector?.matchExpressions?.find((e) => e.operator === 'NotIn' && e.key === 'kubernetes.io/metadata.name')?.values ?? []
    check(excluded.includes('kube-system') && excluded.includes(namespace), `${hook.name} never sees kube-system or the operator's namespace`)
    check(hook.objectSelector?.matchExpressions?.some((e) => e.key === 'app.kubernetes.io/managed-by' && e.operator === 'NotIn'), `${hook.name} skips the operator's own pods`)
  }
  if (!values) {
    check(mutating?.webhooks.find((h) => h.name.startsWith('inject-selected'))?.failurePolicy === 'Ignore', 'selector injection fails open by default')
    check(validating?.webhooks.every((h) => h.failurePolicy === 'Fail'), 'Flow and ImportJob validation fails closed by default')
  }
}

const podMonitorRbac = roles.some((r) => r.rules.some((rule) => rule.apiGroups.includes('monitoring.coreos.com')))
check(podMonitorRbac === pod.containers[0].args.includes('--agent-pod-monitors'), 'PodMonitor RBAC exactly when the operator creates PodMonitors')

console.log(`${passed} passed, ${failed} failed`)
process.exit(failed ? 1 : 0)
