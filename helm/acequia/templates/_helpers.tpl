{{/* Names and labels shared by every object of the chart. */}}

{{- define "acequia.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The operator's objects are named <release>-acequia (or <release> when it already says acequia). */}}
{{- define "acequia.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "acequia.selectorLabels" -}}
app.kubernetes.io/name: {{ include "acequia.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "acequia.labels" -}}
{{ include "acequia.selectorLabels" . }}
app.kubernetes.io/part-of: acequia
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "acequia.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "acequia.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* An image reference from {registry, repository, tag, digest}; the tag defaults to appVersion. */}}
{{- define "acequia.image" -}}
{{- $image := index . 0 -}}
{{- $root := index . 1 -}}
{{- $repository := $image.repository -}}
{{- if $image.registry -}}
{{- $repository = printf "%s/%s" $image.registry $image.repository -}}
{{- end -}}
{{- if $image.digest -}}
{{- printf "%s@%s" $repository $image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repository (default $root.Chart.AppVersion $image.tag) -}}
{{- end -}}
{{- end -}}

{{/* The operator's permissions in a namespace it manages (templates/rbac.yaml explains each). */}}
{{- define "acequia.rules" }}
- apiGroups: [acequia.io]
  resources: [flows, importjobs]
  verbs: [get, list, watch, patch, update]
- apiGroups: [acequia.io]
  resources: [flows/status, importjobs/status]
  verbs: [get, patch, update]
- apiGroups: [acequia.io]
  resources: [flows/finalizers, importjobs/finalizers]
  verbs: [update]
- apiGroups: [""]
  resources: [configmaps, services]
  verbs: [get, list, watch, create, patch, update, delete]
- apiGroups: [apps]
  resources: [deployments, statefulsets]
  verbs: [get, list, watch, create, patch, update, delete]
- apiGroups: [batch]
  resources: [jobs]
  verbs: [get, list, watch, create, patch, update, delete]
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list, watch]
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [create, patch, list]
{{- if .Values.agentMetrics.podMonitor.enabled }}
- apiGroups: [monitoring.coreos.com]
  resources: [podmonitors]
  verbs: [get, list, watch, create, patch, update, delete]
{{- end }}
{{- end }}
