package deploytest

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"helm.sh/helm/v4/pkg/chart/common"
	chartutilcommon "helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/v2/lint"
	"helm.sh/helm/v4/pkg/chart/v2/lint/support"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
	"helm.sh/helm/v4/pkg/engine"
	releaseutil "helm.sh/helm/v4/pkg/release/v1/util"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const chartDir = "../helm/prodgate"

// valueSets are the configurations the chart is tested with; testdata/<name>.yaml
// holds each one's rendered manifests.
var valueSets = map[string]string{
	// The embedded default: SQLite on a claim, the team's policy inline.
	"sqlite": `
hmac:
  key: test-hmac-key
policy:
  content: |
    version: 1
    standard: "ACME production-ready standard v1"
    fail_on: low
`,
	// Scale-out on PostgreSQL with everything optional switched on and every
	// secret managed outside the chart.
	"postgres": `
replicaCount: 3
postgres:
  existingSecret: prodgate-db
hmac:
  existingSecret: prodgate-hmac
policy:
  existingConfigMap: acme-standard
config:
  allowedHosts: [app.terraform.io, tfe.example.com]
ingress:
  enabled: true
  className: nginx
  hosts:
    - host: prodgate.example.com
      paths: [{path: /, pathType: Prefix}]
  tls:
    - secretName: prodgate-tls
      hosts: [prodgate.example.com]
autoscaling:
  enabled: true
  minReplicas: 3
  maxReplicas: 6
podDisruptionBudget:
  minAvailable: 2
metrics:
  serviceMonitor:
    enabled: true
    labels: {release: prometheus}
`,
	// PostgreSQL with the URL and both keys of a rotation in the chart's Secret.
	"postgres-rotation": `
replicaCount: 2
postgres:
  url: postgres://prodgate:secret@db.example.com:5432/prodgate?sslmode=verify-full
hmac:
  key: new-hmac-key
  previousKey: old-hmac-key
config:
  externalURL: https://gate.example.com/
`,
}

// testKubeVersion is the cluster version the chart is rendered for; Helm's
// client-only default (v1.20) is older than the chart's kubeVersion.
func testKubeVersion(t *testing.T) *common.KubeVersion {
	t.Helper()
	v, err := common.ParseKubeVersion("v1.33.0")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func parseValues(t *testing.T, doc string) map[string]any {
	t.Helper()
	vals := map[string]any{}
	if err := yaml.Unmarshal([]byte(doc), &vals); err != nil {
		t.Fatalf("values: %v", err)
	}
	return vals
}

// rendered is the chart as `helm install --dry-run=client` renders it.
type rendered struct {
	manifest string // every object, as Helm would send them (hooks included)
	notes    string
	objects  []runtime.Object
}

// renderChart renders the chart the way `helm install --dry-run=client` (and
// `helm template`) does, calling the Helm packages that action.Install calls
// in that mode: the chart loader, the dependency and kubeVersion checks, the
// values merged and validated against values.schema.json, Helm's template
// engine (`fail`, `required`, NOTES.txt) and its install-order sort of
// manifests and hooks. It skips the action package itself: that one links the
// Kubernetes client, kustomize, OCI registries and the plugin runtime, and
// made this test binary take twice as long to compile (see doc.go).
func renderChart(t *testing.T, values map[string]any) (rendered, error) {
	t.Helper()
	chrt, err := loader.Load(chartDir)
	if err != nil {
		t.Fatalf("load chart: %v", err)
	}
	if err := chartutil.ProcessDependencies(chrt, values); err != nil {
		return rendered{}, fmt.Errorf("chart dependencies processing failed: %w", err)
	}
	caps := common.DefaultCapabilities.Copy()
	caps.KubeVersion = *testKubeVersion(t)
	if kv := chrt.Metadata.KubeVersion; kv != "" && !chartutil.IsCompatibleRange(kv, caps.KubeVersion.String()) {
		return rendered{}, fmt.Errorf("chart requires kubeVersion: %s which is incompatible with Kubernetes %s", kv, caps.KubeVersion.Version)
	}
	options := common.ReleaseOptions{Name: "prodgate", Namespace: "gate", Revision: 1, IsInstall: true}
	vals, err := chartutilcommon.ToRenderValuesWithSchemaValidation(chrt, values, options, caps, false)
	if err != nil {
		return rendered{}, err
	}
	files, err := engine.Engine{}.RenderWithContext(t.Context(), chrt, vals)
	if err != nil {
		return rendered{}, err
	}
	var out rendered
	for name, text := range files {
		if strings.HasSuffix(name, "/NOTES.txt") {
			if name == chrt.Name()+"/templates/NOTES.txt" {
				out.notes = text
			}
			delete(files, name)
		}
	}
	hooks, manifests, err := releaseutil.SortManifests(files, nil, releaseutil.InstallOrder)
	if err != nil {
		return rendered{}, fmt.Errorf("sort manifests: %w", err)
	}
	var objects, manifest strings.Builder
	for _, m := range manifests {
		fmt.Fprintf(&objects, "---\n# Source: %s\n%s\n", m.Name, m.Content)
	}
	manifest.WriteString(strings.TrimSpace(objects.String()) + "\n")
	// Hooks after the manifests, as a release keeps them apart.
	for _, h := range hooks {
		fmt.Fprintf(&manifest, "---\n# Source: %s\n%s\n", h.Path, strings.TrimSpace(h.Manifest))
	}
	out.manifest = manifest.String()
	out.objects = decodeStrict(t, out.manifest)
	return out, nil
}

// decodeStrict decodes every document into its Kubernetes API type, failing
// on unknown kinds, unknown or duplicate fields.
func decodeStrict(t *testing.T, manifest string) []runtime.Object {
	t.Helper()
	sch := runtime.NewScheme()
	if err := scheme.AddToScheme(sch); err != nil {
		t.Fatal(err)
	}
	if err := monitoringv1.AddToScheme(sch); err != nil {
		t.Fatal(err)
	}
	decoder := serializer.NewCodecFactory(sch, serializer.EnableStrict).UniversalDeserializer()
	reader := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(manifest)))
	var objects []runtime.Object
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("split manifests: %v", err)
		}
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		obj, _, err := decoder.Decode(doc, nil, nil)
		if err != nil {
			t.Fatalf("decode into Kubernetes API types: %v\n%s", err, doc)
		}
		objects = append(objects, obj)
	}
	return objects
}

func stripComments(doc []byte) []byte {
	return regexp.MustCompile(`(?m)^#.*$`).ReplaceAll(doc, nil)
}

func kindsAndNames(objects []runtime.Object) []string {
	var out []string
	for _, o := range objects {
		meta, _ := o.(interface{ GetName() string })
		out = append(out, fmt.Sprintf("%s/%s", o.GetObjectKind().GroupVersionKind().Kind, meta.GetName()))
	}
	return out
}

func only[T runtime.Object](t *testing.T, objects []runtime.Object) T {
	t.Helper()
	var found []T
	for _, o := range objects {
		if v, ok := o.(T); ok {
			found = append(found, v)
		}
	}
	if len(found) != 1 {
		var zero T
		t.Fatalf("want one %T, rendered %d", zero, len(found))
	}
	return found[0]
}

// podFacts is what the Deployment promises about how prodgate runs.
type podFacts struct {
	Replicas      *int32
	Strategy      appsv1.DeploymentStrategyType
	Liveness      string // path port
	Readiness     string
	Startup       string
	Env           map[string]string // value, or secret:name/key (optional)
	Mounts        []string
	Volumes       []string
	RunAsNonRoot  bool
	RunAsUser     int64
	FSGroup       int64
	ReadOnlyRoot  bool
	NoEscalation  bool
	DroppedCaps   []corev1.Capability
	Seccomp       corev1.SeccompProfileType
	AutomountSA   bool
	GracePeriod   int64
	ChecksumNotes []string // pod-template annotations that roll pods on a change
}

func probeFacts(p *corev1.Probe) string {
	if p == nil || p.HTTPGet == nil {
		return "none"
	}
	return p.HTTPGet.Path + " " + p.HTTPGet.Port.String()
}

func describePod(d *appsv1.Deployment) podFacts {
	spec := d.Spec.Template.Spec
	c := spec.Containers[0]
	f := podFacts{
		Replicas:    d.Spec.Replicas,
		Strategy:    d.Spec.Strategy.Type,
		Liveness:    probeFacts(c.LivenessProbe),
		Readiness:   probeFacts(c.ReadinessProbe),
		Startup:     probeFacts(c.StartupProbe),
		Env:         map[string]string{},
		GracePeriod: *spec.TerminationGracePeriodSeconds,
		AutomountSA: *spec.AutomountServiceAccountToken,
	}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef
			f.Env[e.Name] = "secret:" + ref.Name + "/" + ref.Key
			if ref.Optional != nil && *ref.Optional {
				f.Env[e.Name] += " (optional)"
			}
		default:
			f.Env[e.Name] = e.Value
		}
	}
	for _, m := range c.VolumeMounts {
		ro := ""
		if m.ReadOnly {
			ro = " (read-only)"
		}
		f.Mounts = append(f.Mounts, m.Name+" at "+m.MountPath+ro)
	}
	for _, v := range spec.Volumes {
		switch {
		case v.PersistentVolumeClaim != nil:
			f.Volumes = append(f.Volumes, v.Name+": claim "+v.PersistentVolumeClaim.ClaimName)
		case v.ConfigMap != nil:
			f.Volumes = append(f.Volumes, v.Name+": configmap "+v.ConfigMap.Name)
		case v.EmptyDir != nil:
			f.Volumes = append(f.Volumes, v.Name+": emptyDir")
		default:
			f.Volumes = append(f.Volumes, v.Name+": other")
		}
	}
	if psc := spec.SecurityContext; psc != nil {
		f.RunAsNonRoot = psc.RunAsNonRoot != nil && *psc.RunAsNonRoot
		if psc.RunAsUser != nil {
			f.RunAsUser = *psc.RunAsUser
		}
		if psc.FSGroup != nil {
			f.FSGroup = *psc.FSGroup
		}
		if psc.SeccompProfile != nil {
			f.Seccomp = psc.SeccompProfile.Type
		}
	}
	if sc := c.SecurityContext; sc != nil {
		f.ReadOnlyRoot = sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem
		f.NoEscalation = sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation
		if sc.Capabilities != nil {
			f.DroppedCaps = sc.Capabilities.Drop
		}
	}
	for k := range d.Spec.Template.Annotations {
		if strings.HasPrefix(k, "checksum/") {
			f.ChecksumNotes = append(f.ChecksumNotes, k)
		}
	}
	slices.Sort(f.ChecksumNotes)
	return f
}

func ptr[T any](v T) *T { return &v }

// hardened is the security posture every value set must keep.
var hardened = podFacts{
	RunAsNonRoot: true, RunAsUser: 65532, FSGroup: 65532, ReadOnlyRoot: true, NoEscalation: true,
	DroppedCaps: []corev1.Capability{"ALL"}, Seccomp: corev1.SeccompProfileTypeRuntimeDefault,
	Liveness: "/healthz http", Readiness: "/readyz http", Startup: "/healthz http", GracePeriod: 45,
}

func withHardening(f podFacts) podFacts {
	f.RunAsNonRoot, f.RunAsUser, f.FSGroup = hardened.RunAsNonRoot, hardened.RunAsUser, hardened.FSGroup
	f.ReadOnlyRoot, f.NoEscalation, f.DroppedCaps, f.Seccomp = hardened.ReadOnlyRoot, hardened.NoEscalation, hardened.DroppedCaps, hardened.Seccomp
	f.Liveness, f.Readiness, f.Startup, f.GracePeriod = hardened.Liveness, hardened.Readiness, hardened.Startup, hardened.GracePeriod
	return f
}

func TestChartRendersForEachValueSet(t *testing.T) {
	tests := []struct {
		values    string
		resources []string // in Helm's install order
		pod       podFacts
	}{
		{
			values: "sqlite",
			resources: []string{
				"PodDisruptionBudget/prodgate", "ServiceAccount/prodgate", "Secret/prodgate", "ConfigMap/prodgate-policy",
				"PersistentVolumeClaim/prodgate", "Service/prodgate", "Deployment/prodgate", "Pod/prodgate-test",
			},
			pod: withHardening(podFacts{
				Replicas: ptr[int32](1),
				Strategy: appsv1.RecreateDeploymentStrategyType,
				Env: map[string]string{
					"PRODGATE_LISTEN": ":8080", "PRODGATE_PATH": "/runtask",
					"PRODGATE_DATABASE_URL": "/data/prodgate.db", "PRODGATE_POLICY": "/etc/prodgate/prodgate.yaml",
					"PRODGATE_HMAC_KEY":      "secret:prodgate/hmac-key",
					"PRODGATE_ALLOWED_HOSTS": "app.terraform.io", "PRODGATE_WORKERS": "10", "PRODGATE_MAX_PLAN_BYTES": "268435456",
					"PRODGATE_RETENTION": "2160h", "PRODGATE_LOG_LEVEL": "info", "PRODGATE_SHUTDOWN_TIMEOUT": "30s",
				},
				Mounts:        []string{"tmp at /tmp", "data at /data", "policy at /etc/prodgate (read-only)"},
				Volumes:       []string{"tmp: emptyDir", "data: claim prodgate", "policy: configmap prodgate-policy"},
				ChecksumNotes: []string{"checksum/policy", "checksum/secret"},
			}),
		},
		{
			values: "postgres",
			resources: []string{
				"PodDisruptionBudget/prodgate", "ServiceAccount/prodgate", "Service/prodgate", "Deployment/prodgate",
				"HorizontalPodAutoscaler/prodgate", "Ingress/prodgate", "ServiceMonitor/prodgate", "Pod/prodgate-test",
			},
			pod: withHardening(podFacts{
				Replicas: nil, // the HorizontalPodAutoscaler owns it
				Strategy: appsv1.RollingUpdateDeploymentStrategyType,
				Env: map[string]string{
					"PRODGATE_LISTEN": ":8080", "PRODGATE_PATH": "/runtask",
					"PRODGATE_DATABASE_URL": "secret:prodgate-db/database-url", "PRODGATE_POLICY": "/etc/prodgate/prodgate.yaml",
					"PRODGATE_HMAC_KEY": "secret:prodgate-hmac/hmac-key", "PRODGATE_HMAC_KEY_PREVIOUS": "secret:prodgate-hmac/hmac-key-previous (optional)",
					"PRODGATE_EXTERNAL_URL":  "https://prodgate.example.com",
					"PRODGATE_ALLOWED_HOSTS": "app.terraform.io,tfe.example.com", "PRODGATE_WORKERS": "10", "PRODGATE_MAX_PLAN_BYTES": "268435456",
					"PRODGATE_RETENTION": "2160h", "PRODGATE_LOG_LEVEL": "info", "PRODGATE_SHUTDOWN_TIMEOUT": "30s",
				},
				Mounts:  []string{"tmp at /tmp", "policy at /etc/prodgate (read-only)"},
				Volumes: []string{"tmp: emptyDir", "policy: configmap acme-standard"},
			}),
		},
		{
			values: "postgres-rotation",
			resources: []string{
				"PodDisruptionBudget/prodgate", "ServiceAccount/prodgate", "Secret/prodgate", "Service/prodgate",
				"Deployment/prodgate", "Pod/prodgate-test",
			},
			pod: withHardening(podFacts{
				Replicas: ptr[int32](2),
				Strategy: appsv1.RollingUpdateDeploymentStrategyType,
				Env: map[string]string{
					"PRODGATE_LISTEN": ":8080", "PRODGATE_PATH": "/runtask",
					"PRODGATE_DATABASE_URL": "secret:prodgate/database-url", "PRODGATE_POLICY": "",
					"PRODGATE_HMAC_KEY": "secret:prodgate/hmac-key", "PRODGATE_HMAC_KEY_PREVIOUS": "secret:prodgate/hmac-key-previous (optional)",
					"PRODGATE_EXTERNAL_URL":  "https://gate.example.com",
					"PRODGATE_ALLOWED_HOSTS": "app.terraform.io", "PRODGATE_WORKERS": "10", "PRODGATE_MAX_PLAN_BYTES": "268435456",
					"PRODGATE_RETENTION": "2160h", "PRODGATE_LOG_LEVEL": "info", "PRODGATE_SHUTDOWN_TIMEOUT": "30s",
				},
				Mounts:        []string{"tmp at /tmp"},
				Volumes:       []string{"tmp: emptyDir"},
				ChecksumNotes: []string{"checksum/secret"},
			}),
		},
	}
	serveEnv := serveEnvironment(t)
	for _, tt := range tests {
		t.Run(tt.values, func(t *testing.T) {
			r, err := renderChart(t, parseValues(t, valueSets[tt.values]))
			if err != nil {
				t.Fatalf("render: %v", err)
			}
			golden(t, filepath.Join("testdata", "helm-"+tt.values+".yaml"), r.manifest)
			got := kindsAndNames(r.objects)
			t.Logf("%s renders %s", tt.values, strings.Join(got, ", "))
			if diff := cmp.Diff(tt.resources, got); diff != "" {
				t.Errorf("resources (-want +got):\n%s", diff)
			}
			d := only[*appsv1.Deployment](t, r.objects)
			if diff := cmp.Diff(tt.pod, describePod(d)); diff != "" {
				t.Errorf("Deployment (-want +got):\n%s", diff)
			}
			for name := range describePod(d).Env {
				if !slices.Contains(serveEnv, name) {
					t.Errorf("the chart sets %s, which `prodgate serve --help` does not list", name)
				}
			}
			checkWiring(t, r.objects)
			if !strings.Contains(r.notes, "/runtask") {
				t.Errorf("NOTES.txt does not say the run task's URL:\n%s", r.notes)
			}
		})
	}
}

// checkWiring follows the references between objects: the Service selects the
// pods and reaches a named container port, the Ingress and ServiceMonitor use
// that Service, the PodDisruptionBudget and HPA point at the Deployment.
func checkWiring(t *testing.T, objects []runtime.Object) {
	t.Helper()
	d := only[*appsv1.Deployment](t, objects)
	svc := only[*corev1.Service](t, objects)
	podLabels := d.Spec.Template.Labels
	for k, v := range svc.Spec.Selector {
		if podLabels[k] != v {
			t.Errorf("Service selector %s=%s does not match the pods (%v)", k, v, podLabels)
		}
	}
	for k, v := range d.Spec.Selector.MatchLabels {
		if podLabels[k] != v {
			t.Errorf("Deployment selector %s=%s does not match its own pods", k, v)
		}
	}
	ports := map[string]int32{}
	for _, p := range d.Spec.Template.Spec.Containers[0].Ports {
		ports[p.Name] = p.ContainerPort
	}
	for _, p := range svc.Spec.Ports {
		if _, ok := ports[p.TargetPort.String()]; !ok {
			t.Errorf("Service port %s targets %q, which the container does not name", p.Name, p.TargetPort.String())
		}
	}
	if got := d.Spec.Template.Spec.Containers[0].Env; !slices.ContainsFunc(got, func(e corev1.EnvVar) bool {
		return e.Name == "PRODGATE_LISTEN" && strings.HasSuffix(e.Value, fmt.Sprintf(":%d", ports["http"]))
	}) {
		t.Errorf("PRODGATE_LISTEN does not listen on the container port http (%d)", ports["http"])
	}
	for _, o := range objects {
		switch o := o.(type) {
		case *networkingv1.Ingress:
			for _, rule := range o.Spec.Rules {
				for _, p := range rule.HTTP.Paths {
					if p.Backend.Service.Name != svc.Name || p.Backend.Service.Port.Name != "http" {
						t.Errorf("Ingress %s%s goes to %s:%s, want %s:http", rule.Host, p.Path, p.Backend.Service.Name, p.Backend.Service.Port.Name, svc.Name)
					}
				}
			}
		case *monitoringv1.ServiceMonitor:
			for k, v := range o.Spec.Selector.MatchLabels {
				if svc.Labels[k] != v {
					t.Errorf("ServiceMonitor selects %s=%s, which the Service does not carry", k, v)
				}
			}
			if len(o.Spec.Endpoints) != 1 || o.Spec.Endpoints[0].Port != "http" || o.Spec.Endpoints[0].Path != "/metrics" {
				t.Errorf("ServiceMonitor endpoints %+v, want port http path /metrics", o.Spec.Endpoints)
			}
		case *policyv1.PodDisruptionBudget:
			for k, v := range o.Spec.Selector.MatchLabels {
				if podLabels[k] != v {
					t.Errorf("PodDisruptionBudget selects %s=%s, which the pods do not carry", k, v)
				}
			}
		case *autoscalingv2.HorizontalPodAutoscaler:
			if o.Spec.ScaleTargetRef.Kind != "Deployment" || o.Spec.ScaleTargetRef.Name != d.Name {
				t.Errorf("HorizontalPodAutoscaler scales %s/%s, want Deployment/%s", o.Spec.ScaleTargetRef.Kind, o.Spec.ScaleTargetRef.Name, d.Name)
			}
		case *corev1.Pod: // helm test: the image's healthcheck against the Service
			cmd := strings.Join(o.Spec.Containers[0].Command, " ")
			if want := fmt.Sprintf("healthcheck --url http://%s:%d/readyz", svc.Name, svc.Spec.Ports[0].Port); !strings.Contains(cmd, want) {
				t.Errorf("helm test pod runs %q, want %q", cmd, want)
			}
		}
	}
}

func TestChartRefusesWhatCannotRun(t *testing.T) {
	tests := []struct {
		name, values, wantErr string
	}{
		{
			name:    "two replicas on the embedded SQLite database",
			values:  "hmac: {key: k}\nreplicaCount: 2",
			wantErr: "replicaCount is 2, but the embedded SQLite database runs exactly one replica (a second process on the same files is refused): set postgres.url or postgres.existingSecret to scale out, or replicaCount: 1",
		},
		{
			name:    "autoscaling on the embedded SQLite database",
			values:  "hmac: {key: k}\nautoscaling: {enabled: true}",
			wantErr: "autoscaling.enabled needs PostgreSQL",
		},
		{
			name:    "no HMAC key at all",
			values:  "policy: {content: 'version: 1'}",
			wantErr: "no HMAC key: set hmac.key (or hmac.existingSecret)",
		},
		{
			name:    "a database URL that is not PostgreSQL",
			values:  "hmac: {key: k}\npostgres: {url: 'mysql://db/prodgate'}",
			wantErr: "postgres.url must start with postgres:// or postgresql://",
		},
		{
			name:    "a previous key the existing Secret would hide",
			values:  "hmac: {existingSecret: s, previousKey: old}",
			wantErr: "hmac.previousKey is ignored with hmac.existingSecret",
		},
		{
			name:    "a misspelled top-level value (the schema allows no unknown keys)",
			values:  "hmac: {key: k}\nreplicas: 2",
			wantErr: "additional properties 'replicas' not allowed",
		},
		{
			name:    "a replica count that is not a number",
			values:  "hmac: {key: k}\nreplicaCount: two",
			wantErr: "replicaCount",
		},
		{
			name:    "a log level prodgate does not know",
			values:  "hmac: {key: k}\nconfig: {logLevel: verbose}",
			wantErr: "logLevel",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := renderChart(t, parseValues(t, tt.values))
			if err == nil {
				t.Fatalf("the chart rendered; want it refused with %q", tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error:\n%v\nwant it to contain %q", err, tt.wantErr)
			}
		})
	}
}

// TestChartPassesHelmLint runs Helm's linter as `helm lint --strict` does
// (warnings fail too) on the chart with each value set.
func TestChartPassesHelmLint(t *testing.T) {
	// action.Lint's guard: a wrong path would otherwise lint nothing.
	if _, err := os.Stat(filepath.Join(chartDir, "Chart.yaml")); err != nil {
		t.Fatalf("no chart to lint: %v", err)
	}
	for name, doc := range valueSets {
		t.Run(name, func(t *testing.T) {
			res := lint.RunAll(chartDir, parseValues(t, doc), "gate", lint.WithKubeVersion(testKubeVersion(t)))
			for _, msg := range res.Messages {
				if msg.Severity >= support.WarningSev {
					t.Errorf("helm lint: %v", msg.Err)
				}
			}
		})
	}
}

// TestChartRunsTheImagesUser keeps the chart's runAsUser on the Dockerfile's USER:
// with runAsNonRoot the kubelet refuses a pod whose user it cannot verify.
func TestChartRunsTheImagesUser(t *testing.T) {
	img := describe(parseDockerfile(t))
	r, err := renderChart(t, parseValues(t, valueSets["sqlite"]))
	if err != nil {
		t.Fatal(err)
	}
	sc := only[*appsv1.Deployment](t, r.objects).Spec.Template.Spec.SecurityContext
	if got := fmt.Sprintf("%d:%d", *sc.RunAsUser, *sc.RunAsGroup); got != img.User {
		t.Errorf("the chart runs as %s, the image's USER is %s", got, img.User)
	}
}

var (
	serveHelpOnce sync.Once
	serveHelpText string
	serveHelpErr  error
)

// serveHelp is `prodgate serve --help` from the real binary, built once.
func serveHelp(t *testing.T) string {
	t.Helper()
	serveHelpOnce.Do(func() {
		bin := filepath.Join(os.TempDir(), fmt.Sprintf("prodgate-deploytest-%d", os.Getpid()))
		defer os.Remove(bin)
		build := exec.Command("go", "build", "-o", bin, "./cmd/prodgate")
		build.Dir = repoRoot(t)
		if out, err := build.CombinedOutput(); err != nil {
			serveHelpErr = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		help, err := exec.Command(bin, "serve", "--help").Output()
		if err != nil {
			serveHelpErr = fmt.Errorf("prodgate serve --help: %v", err)
			return
		}
		serveHelpText = string(help)
	})
	if serveHelpErr != nil {
		t.Fatal(serveHelpErr)
	}
	return serveHelpText
}

// serveEnvironment lists the PRODGATE_* variables `prodgate serve --help`
// documents.
func serveEnvironment(t *testing.T) []string {
	t.Helper()
	var names []string
	for _, m := range regexp.MustCompile(`\[\$(PRODGATE_[A-Z_]+)\]`).FindAllStringSubmatch(serveHelp(t), -1) {
		names = append(names, m[1])
	}
	if len(names) == 0 {
		t.Fatal("prodgate serve --help lists no PRODGATE_* variable")
	}
	return names
}

// serveDuration is the duration flag's value in the pod: from its
// --flag=value argument, else its PRODGATE_* variable, else the default that
// `prodgate serve --help` states.
func serveDuration(t *testing.T, c corev1.Container, flag string) time.Duration {
	t.Helper()
	m := regexp.MustCompile(`(?m)^\s*--` + flag + ` duration\s.*\(default ([^)]+)\)\s*$`).FindStringSubmatch(serveHelp(t))
	if m == nil {
		t.Fatalf("prodgate serve --help states no default for --%s", flag)
	}
	value := m[1]
	env := "PRODGATE_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
	for _, e := range c.Env {
		if e.Name == env {
			value = e.Value
		}
	}
	for _, a := range c.Args {
		if v, ok := strings.CutPrefix(a, "--"+flag+"="); ok {
			value = v
		}
	}
	d, err := time.ParseDuration(value)
	if err != nil {
		t.Fatalf("--%s %q: %v", flag, value, err)
	}
	return d
}

// TestChartLetsProdgateStopBeforeTheKill checks that Kubernetes waits longer
// after SIGTERM (terminationGracePeriodSeconds) than prodgate may take to stop
// (--shutdown-timeout, and --shutdown-delay counted on top of it, should it not
// be part of it): otherwise the kubelet kills a pod that is still handing its
// tasks back. The last case proves the check can fail.
func TestChartLetsProdgateStopBeforeTheKill(t *testing.T) {
	tests := []struct {
		name, values string
		wantKilled   bool
	}{
		{name: "sqlite", values: valueSets["sqlite"]},
		{name: "postgres", values: valueSets["postgres"]},
		{name: "postgres-rotation", values: valueSets["postgres-rotation"]},
		{
			name:       "a grace period of 30 s for a 30 s shutdown timeout and a 5 s delay",
			values:     "hmac: {key: k}\nterminationGracePeriodSeconds: 30\nextraEnv: [{name: PRODGATE_SHUTDOWN_DELAY, value: 5s}]",
			wantKilled: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := renderChart(t, parseValues(t, tt.values))
			if err != nil {
				t.Fatalf("render: %v", err)
			}
			spec := only[*appsv1.Deployment](t, r.objects).Spec.Template.Spec
			grace := time.Duration(*spec.TerminationGracePeriodSeconds) * time.Second
			stop := serveDuration(t, spec.Containers[0], "shutdown-timeout") + serveDuration(t, spec.Containers[0], "shutdown-delay")
			if killed := grace <= stop; killed != tt.wantKilled {
				t.Errorf("terminationGracePeriodSeconds %s, shutdown timeout plus delay %s: killed mid-stop = %v, want %v", grace, stop, killed, tt.wantKilled)
			}
		})
	}
}

// golden compares got with the file, or rewrites it under -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./... -update in deploy/test to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s is stale (-want +got); refresh with go test ./... -update:\n%s", path, diff)
	}
}
