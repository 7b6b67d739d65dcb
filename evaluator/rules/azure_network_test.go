package rules

import (
	"testing"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

func TestAzureNSGOpenAdminPorts(t *testing.T) {
	const id = "azure-nsg-open-admin-ports"
	const ruleAddr = "azurerm_network_security_rule.this"
	const nsgAddr = "azurerm_network_security_group.this"
	const expected = "no inbound Allow rule from the internet to port 22, 3389"
	// rule is an azurerm_network_security_rule (or inline rule) with the
	// attributes Terraform always renders; overrides replace them.
	rule := func(overrides map[string]any) map[string]any {
		r := map[string]any{
			"name": "ssh", "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
			"source_port_range": "*", "source_port_ranges": []any{},
			"source_address_prefix": "10.0.0.0/8", "source_address_prefixes": []any{},
			"destination_port_range": "22", "destination_port_ranges": []any{},
			"destination_address_prefix": "*", "destination_address_prefixes": []any{},
		}
		for k, v := range overrides {
			r[k] = v
		}
		return r
	}
	standalone := func(overrides map[string]any) evaltest.Change {
		return evaltest.Change{Type: "azurerm_network_security_rule", After: rule(overrides)}
	}
	group := func(rules ...map[string]any) evaltest.Change {
		list := make([]any, len(rules))
		for i, r := range rules {
			list[i] = r
		}
		return evaltest.Change{Type: "azurerm_network_security_group",
			After: map[string]any{"name": "web-nsg", "resource_group_name": "rg-prod", "security_rule": list}}
	}
	closed := pass(id, ruleAddr, "source_address_prefix", "the rule does not open port 22, 3389 to the internet")
	unknownRule := func(addr, attr, name string) evaluator.Finding {
		return evaluator.Finding{RuleID: id, Address: addr, ResourceType: resourceType(addr), Attribute: attr,
			Status: evaluator.StatusUnknown,
			Message: `security rule "` + name + `" has a direction, access, protocol, source or port known only after apply, ` +
				"so the plan cannot show it keeps port 22, 3389 closed to the internet",
			Expected: expected, Actual: "(known after apply)"}
	}
	tests := []ruleCase{
		{
			name:   "SSH from a private range passes",
			change: standalone(nil),
			want:   []evaluator.Finding{closed},
		},
		{
			name:   "SSH from anywhere fails",
			change: standalone(map[string]any{"source_address_prefix": "*"}),
			want: []evaluator.Finding{fail(id, ruleAddr, "source_address_prefix",
				`security rule "ssh" allows inbound traffic from "*" to port 22`, expected, `source "*", destination port 22`)},
		},
		{
			name:   "RDP from the Internet service tag through a port range fails",
			change: standalone(map[string]any{"name": "rdp", "source_address_prefix": "Internet", "destination_port_range": "3000-4000"}),
			want: []evaluator.Finding{fail(id, ruleAddr, "source_address_prefix",
				`security rule "rdp" allows inbound traffic from "Internet" to port 3389`, expected, `source "Internet", destination port 3389`)},
		},
		{
			name: "all ports from ::/0 in the prefix lists fails",
			change: standalone(map[string]any{"source_address_prefix": "", "source_address_prefixes": []any{"10.0.0.0/8", "::/0"},
				"destination_port_range": "", "destination_port_ranges": []any{"443", "*"}, "protocol": "*"}),
			want: []evaluator.Finding{fail(id, ruleAddr, "source_address_prefixes",
				`security rule "ssh" allows inbound traffic from "::/0" to port 22`, expected, `source "::/0", destination port 22`)},
		},
		{
			name:   "a deny rule from anywhere passes",
			change: standalone(map[string]any{"source_address_prefix": "*", "access": "Deny"}),
			want:   []evaluator.Finding{closed},
		},
		{
			name:   "an outbound rule to port 22 passes",
			change: standalone(map[string]any{"source_address_prefix": "*", "direction": "Outbound"}),
			want:   []evaluator.Finding{closed},
		},
		{
			name:   "ICMP from anywhere carries no ports and passes",
			change: standalone(map[string]any{"source_address_prefix": "*", "protocol": "Icmp", "destination_port_range": "*"}),
			want:   []evaluator.Finding{closed},
		},
		{
			name:   "HTTPS from anywhere passes",
			change: standalone(map[string]any{"source_address_prefix": "0.0.0.0/0", "destination_port_range": "443"}),
			want:   []evaluator.Finding{closed},
		},
		{
			name:   "a policy-listed database port from anywhere fails",
			change: standalone(map[string]any{"source_address_prefix": "Any", "destination_port_range": "1433"}),
			params: map[string]any{"ports": []string{"22", "3389", "1433"}},
			want: []evaluator.Finding{fail(id, ruleAddr, "source_address_prefix",
				`security rule "ssh" allows inbound traffic from "Any" to port 1433`,
				"no inbound Allow rule from the internet to port 22, 3389, 1433", `source "Any", destination port 1433`)},
		},
		{
			name: "a source known only after apply is unknown",
			change: evaltest.Change{Type: "azurerm_network_security_rule", After: rule(map[string]any{"source_address_prefix": nil}),
				AfterUnknown: map[string]any{"source_address_prefix": true}},
			want: []evaluator.Finding{unknownRule(ruleAddr, "source_address_prefix", "ssh")},
		},
		{
			name: "a known deny decides even when the source is unknown",
			change: evaltest.Change{Type: "azurerm_network_security_rule", After: rule(map[string]any{"source_address_prefix": nil, "access": "Deny"}),
				AfterUnknown: map[string]any{"source_address_prefix": true}},
			want: []evaluator.Finding{closed},
		},
		{
			name:   "a group with one open inline rule among closed ones fails once, naming it",
			change: group(rule(nil), rule(map[string]any{"name": "rdp-any", "source_address_prefix": "*", "destination_port_range": "3389"})),
			want: []evaluator.Finding{fail(id, nsgAddr, "security_rule",
				`security rule "rdp-any" allows inbound traffic from "*" to port 3389`, expected, `source "*", destination port 3389`)},
		},
		{
			name:   "a group whose inline rules are all closed passes",
			change: group(rule(nil), rule(map[string]any{"name": "https", "source_address_prefix": "*", "destination_port_range": "443"})),
			want: []evaluator.Finding{pass(id, nsgAddr, "security_rule",
				"none of its 2 inline security rules open port 22, 3389 to the internet")},
		},
		{
			name: "an inline rule read back from a separate rule resource is left to that resource",
			changes: []evaltest.Change{
				group(rule(map[string]any{"source_address_prefix": "*"})),
				{Type: "azurerm_network_security_rule", After: rule(map[string]any{"source_address_prefix": "*",
					"network_security_group_name": "web-nsg", "resource_group_name": "rg-prod"})},
			},
			want: []evaluator.Finding{
				pass(id, nsgAddr, "security_rule", "the group has no inline security_rule of its own"),
				fail(id, ruleAddr, "source_address_prefix", `security rule "ssh" allows inbound traffic from "*" to port 22`,
					expected, `source "*", destination port 22`),
			},
		},
		{
			name: "an inline rule source known only after apply is unknown",
			change: evaltest.Change{Type: "azurerm_network_security_group",
				After:        map[string]any{"name": "web-nsg", "security_rule": []any{rule(map[string]any{"source_address_prefix": nil})}},
				AfterUnknown: map[string]any{"security_rule": []any{map[string]any{"source_address_prefix": true}}}},
			want: []evaluator.Finding{unknownRule(nsgAddr, "security_rule", "ssh")},
		},
		{
			name: "a configured rule set known only after apply is unknown",
			change: evaltest.Change{Type: "azurerm_network_security_group", After: map[string]any{"name": "web-nsg"},
				AfterUnknown: map[string]any{"security_rule": true},
				Config:       map[string]any{"security_rule": map[string]any{"references": []any{"local.rules"}}}},
			want: []evaluator.Finding{unknown(id, nsgAddr, "security_rule", expected)},
		},
		{
			name: "a group without inline rules in its configuration passes",
			change: evaltest.Change{Type: "azurerm_network_security_group", After: map[string]any{"name": "web-nsg"},
				AfterUnknown: map[string]any{"security_rule": true}, Config: map[string]any{}},
			want: []evaluator.Finding{pass(id, nsgAddr, "security_rule", "the group has no inline security_rule of its own")},
		},
		{
			name:   "a destroyed rule is not judged",
			change: evaltest.Change{Type: "azurerm_network_security_rule", Actions: []string{"delete"}, Before: rule(map[string]any{"source_address_prefix": "*"})},
			want:   nil,
		},
	}
	runRuleCases(t, AzureNSGOpenAdminPorts{}, tests)
}
