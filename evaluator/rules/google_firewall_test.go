package rules

import (
	"testing"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

// gcpFirewall builds a google_compute_firewall's planned object with the given
// source ranges and allow blocks (protocol, then ports; nil ports means every port).
func gcpFirewall(ranges []any, allow ...map[string]any) map[string]any {
	blocks := make([]any, 0, len(allow))
	for _, a := range allow {
		blocks = append(blocks, a)
	}
	after := map[string]any{"name": "fw", "direction": "INGRESS", "disabled": false, "allow": blocks, "source_ranges": ranges}
	return after
}

func gcpAllow(protocol string, ports ...any) map[string]any {
	return map[string]any{"protocol": protocol, "ports": ports}
}

func gcpWith(after map[string]any, extra map[string]any) map[string]any {
	for k, v := range extra {
		after[k] = v
	}
	return after
}

func TestGoogleFirewallOpenAdminPorts(t *testing.T) {
	const id = "google-firewall-open-admin-ports"
	const addr = "google_compute_firewall.this"
	const fw = "google_compute_firewall"
	const expected = "no ingress from 0.0.0.0/0 or ::/0 to ports 22, 1433, 3306, 3389, 5432, 6379, 27017"
	world := []any{"0.0.0.0/0"}
	tests := []ruleCase{
		{
			name:   "SSH from the whole internet fails",
			change: evaltest.Change{Type: fw, After: gcpFirewall(world, gcpAllow("tcp", "22"))},
			want:   []evaluator.Finding{fail(id, addr, "allow", "ingress from 0.0.0.0/0 is allowed to tcp/22", expected, "tcp/22 from 0.0.0.0/0")},
		},
		{
			name:   "a port range covering RDP and a database port fails with both",
			change: evaltest.Change{Type: fw, After: gcpFirewall([]any{"10.0.0.0/8", "::/0"}, gcpAllow("tcp", "80", "3000-3400"))},
			want: []evaluator.Finding{fail(id, addr, "allow", "ingress from ::/0 is allowed to tcp/3306, tcp/3389", expected,
				"tcp/3306, tcp/3389 from ::/0")},
		},
		{
			name:   "an allow block without ports opens every port",
			change: evaltest.Change{Type: fw, After: gcpFirewall(world, map[string]any{"protocol": "all"})},
			want: []evaluator.Finding{fail(id, addr, "allow",
				"ingress from 0.0.0.0/0 is allowed to all/22, all/1433, all/3306, all/3389, all/5432, all/6379, all/27017", expected,
				"all/22, all/1433, all/3306, all/3389, all/5432, all/6379, all/27017 from 0.0.0.0/0")},
		},
		{
			name:   "an ingress rule without any source is open to the world by the API default",
			change: evaltest.Change{Type: fw, After: gcpFirewall(nil, gcpAllow("6", "5432"))},
			want: []evaluator.Finding{fail(id, addr, "allow",
				"ingress from 0.0.0.0/0 (no source_ranges, source_tags or source_service_accounts: the Google Cloud default) is allowed to 6/5432",
				expected, "6/5432 from 0.0.0.0/0 (no source_ranges, source_tags or source_service_accounts: the Google Cloud default)")},
		},
		{
			name:   "HTTPS from the whole internet passes",
			change: evaltest.Change{Type: fw, After: gcpFirewall(world, gcpAllow("tcp", "80", "443"))},
			want: []evaluator.Finding{pass(id, addr, "allow",
				"no allow block covers ports 22, 1433, 3306, 3389, 5432, 6379, 27017")},
		},
		{
			name:   "SSH from a corporate range passes",
			change: evaltest.Change{Type: fw, After: gcpFirewall([]any{"35.235.240.0/20"}, gcpAllow("tcp", "22"))},
			want:   []evaluator.Finding{pass(id, addr, "source_ranges", "source_ranges has no entry ending in /0")},
		},
		{
			name:   "ICMP from the whole internet passes",
			change: evaltest.Change{Type: fw, After: gcpFirewall(world, map[string]any{"protocol": "icmp"})},
			want: []evaluator.Finding{pass(id, addr, "allow",
				"no allow block covers ports 22, 1433, 3306, 3389, 5432, 6379, 27017")},
		},
		{
			name:   "a rule limited to source tags passes",
			change: evaltest.Change{Type: fw, After: gcpWith(gcpFirewall(nil, gcpAllow("tcp", "22")), map[string]any{"source_tags": []any{"bastion"}})},
			want: []evaluator.Finding{pass(id, addr, "source_tags",
				"sources are limited to source_tags and no source_ranges are set")},
		},
		{
			name:   "a disabled rule passes",
			change: evaltest.Change{Type: fw, After: gcpWith(gcpFirewall(world, gcpAllow("tcp", "22")), map[string]any{"disabled": true})},
			want:   []evaluator.Finding{pass(id, addr, "disabled", "the firewall rule is disabled")},
		},
		{
			name: "an egress rule passes",
			change: evaltest.Change{Type: fw, After: gcpWith(gcpFirewall(nil, gcpAllow("tcp", "22")),
				map[string]any{"direction": "EGRESS", "destination_ranges": world})},
			want: []evaluator.Finding{pass(id, addr, "direction", `direction is "EGRESS", not ingress`)},
		},
		{
			name: "unset direction and disabled are judged on their defaults",
			change: evaltest.Change{Type: fw, After: map[string]any{"name": "fw", "source_ranges": world,
				"allow": []any{gcpAllow("tcp", "3389")}}},
			want: []evaluator.Finding{fail(id, addr, "allow", "ingress from 0.0.0.0/0 is allowed to tcp/3389", expected, "tcp/3389 from 0.0.0.0/0")},
		},
		{
			name:   "the ports parameter narrows the check to SSH",
			change: evaltest.Change{Type: fw, After: gcpFirewall(world, gcpAllow("tcp", "5432"))},
			params: map[string]any{"ports": []string{"22"}},
			want:   []evaluator.Finding{pass(id, addr, "allow", "no allow block covers ports 22")},
		},
		{
			name: "source ranges known only after apply are unknown",
			change: evaltest.Change{Type: fw, After: gcpFirewall(nil, gcpAllow("tcp", "22")),
				AfterUnknown: map[string]any{"source_ranges": true},
				Config:       map[string]any{"source_ranges": map[string]any{"references": []any{"var.ranges"}}}},
			want: []evaluator.Finding{unknown(id, addr, "source_ranges", expected)},
		},
		{
			name: "computed source ranges the configuration does not write fall back to the API default",
			change: evaltest.Change{Type: fw, After: gcpFirewall(nil, gcpAllow("tcp", "22")),
				AfterUnknown: map[string]any{"source_ranges": true},
				Config:       map[string]any{"name": map[string]any{"constant_value": "fw"}}},
			want: []evaluator.Finding{fail(id, addr, "allow",
				"ingress from 0.0.0.0/0 (no source_ranges, source_tags or source_service_accounts: the Google Cloud default) is allowed to tcp/22",
				expected, "tcp/22 from 0.0.0.0/0 (no source_ranges, source_tags or source_service_accounts: the Google Cloud default)")},
		},
		{
			name: "a port known only after apply is unknown",
			change: evaltest.Change{Type: fw, After: gcpFirewall(world, gcpAllow("tcp", "443", nil)),
				AfterUnknown: map[string]any{"allow": []any{map[string]any{"ports": []any{false, true}}}}},
			want: []evaluator.Finding{unknown(id, addr, "allow.0.ports.1", expected)},
		},
		{
			name: "an unknown port does not hide a known open one",
			change: evaltest.Change{Type: fw, After: gcpFirewall(world, gcpAllow("tcp", nil, "22")),
				AfterUnknown: map[string]any{"allow": []any{map[string]any{"ports": []any{true, false}}}}},
			want: []evaluator.Finding{fail(id, addr, "allow", "ingress from 0.0.0.0/0 is allowed to tcp/22", expected, "tcp/22 from 0.0.0.0/0")},
		},
		{
			name: "an unknown source range does not matter when no admin port is open",
			change: evaltest.Change{Type: fw, After: gcpFirewall(nil, gcpAllow("tcp", "443")),
				AfterUnknown: map[string]any{"source_ranges": true},
				Config:       map[string]any{"source_ranges": map[string]any{"references": []any{"var.ranges"}}}},
			want: []evaluator.Finding{pass(id, addr, "allow",
				"no allow block covers ports 22, 1433, 3306, 3389, 5432, 6379, 27017")},
		},
		{
			name: "opening SSH to the world on an existing rule fails",
			change: evaltest.Change{Type: fw, Actions: []string{"update"},
				Before: gcpFirewall([]any{"10.0.0.0/8"}, gcpAllow("tcp", "22")),
				After:  gcpFirewall(world, gcpAllow("tcp", "22"))},
			want: []evaluator.Finding{fail(id, addr, "allow", "ingress from 0.0.0.0/0 is allowed to tcp/22", expected, "tcp/22 from 0.0.0.0/0")},
		},
		{
			name:   "a destroyed rule gets no finding",
			change: evaltest.Change{Type: fw, Actions: []string{"delete"}, Before: gcpFirewall(world, gcpAllow("tcp", "22"))},
			want:   nil,
		},
	}
	runRuleCases(t, GoogleFirewallOpenAdminPorts{}, tests)
}
