package runtask

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the service's Prometheus series, on a registry of its own (no
// global state, so tests can run several services in one process).
type metrics struct {
	registry           *prometheus.Registry
	requests           *prometheus.CounterVec
	verdicts           *prometheus.CounterVec
	evaluationDuration prometheus.Histogram
	taskDuration       prometheus.Histogram
	postDuration       prometheus.Histogram
	callbackFailures   *prometheus.CounterVec
	// The policy in force and its reloads, named after Prometheus' and
	// Alertmanager's own configuration-reload series.
	policyReloads      *prometheus.CounterVec
	policyInfo         *prometheus.GaugeVec
	policyLastReloadOK prometheus.Gauge
	policyLastReloadAt prometheus.Gauge
}

func newMetrics(queueDepth func(context.Context) (int, error)) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "prodgate_runtask_requests_total",
			Help: "Run-task requests received, by stage and outcome (accepted, duplicate, verification, unauthorized, invalid, refused, busy, error).",
		}, []string{"stage", "outcome"}),
		verdicts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "prodgate_runtask_results_total",
			Help: "Final results called back, by stage and status (passed, failed).",
		}, []string{"stage", "status"}),
		evaluationDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "prodgate_evaluation_duration_seconds",
			Help:    "Time to parse and evaluate one plan.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}),
		taskDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "prodgate_runtask_duration_seconds",
			Help:    "Time from receiving a run-task request to HCP Terraform accepting its final result.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 16),
		}),
		postDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "prodgate_runtask_post_duration_seconds",
			Help:    "Time to answer a run-task POST.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 1.5, 24), // 0.1 ms to 1.1 s
		}),
		callbackFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "prodgate_callback_failures_total",
			Help: "Callbacks to HCP Terraform that failed, by HTTP status or 'network'.",
		}, []string{"status"}),
		policyReloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "prodgate_policy_reload_total",
			Help: "Policy reloads (on a change of the file or SIGHUP), by result: success (a new policy is in force), failure (it was refused; the policy in force is kept), unchanged (the file holds the policy in force).",
		}, []string{"result"}),
		policyInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "prodgate_policy_info",
			Help: "1 for the policy in force, labelled with its hash (sha256 of the policy file's bytes).",
		}, []string{"hash"}),
		policyLastReloadOK: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "prodgate_policy_last_reload_successful",
			Help: "1 when the policy file holds the policy in force, 0 when the last reload was refused.",
		}),
		policyLastReloadAt: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "prodgate_policy_last_reload_success_timestamp_seconds",
			Help: "When the policy in force was taken (at start or by a reload), as a Unix time.",
		}),
	}
	for _, result := range []string{"success", "failure", "unchanged"} {
		m.policyReloads.WithLabelValues(result) // present at 0 before the first reload
	}
	depth := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "prodgate_queue_depth",
		Help: "Run tasks accepted and not yet called back with a final result.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, err := queueDepth(ctx)
		if err != nil {
			return -1
		}
		return float64(n)
	})
	m.registry.MustRegister(m.requests, m.verdicts, m.evaluationDuration, m.taskDuration, m.postDuration, m.callbackFailures, depth,
		m.policyReloads, m.policyInfo, m.policyLastReloadOK, m.policyLastReloadAt,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}
