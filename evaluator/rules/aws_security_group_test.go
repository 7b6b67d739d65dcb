package rules

import (
	"testing"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/evaltest"
)

func TestSecurityGroupOpenAdminPorts(t *testing.T) {
	const id = "aws-security-group-open-admin-ports"
	const expected = "no ingress from 0.0.0.0/0 or ::/0 to ports 22, 3389, 3306, 5432, 1433, 1521, 27017, 6379, 9200, 5439"
	const clean = "no ingress from 0.0.0.0/0 or ::/0 reaches a listed port"
	const sg = "aws_security_group.app"
	ingress := func(protocol string, from, to int, cidrs, cidrs6 []any) map[string]any {
		return map[string]any{"protocol": protocol, "from_port": from, "to_port": to, "cidr_blocks": cidrs,
			"ipv6_cidr_blocks": cidrs6, "prefix_list_ids": []any{}, "security_groups": []any{}, "self": false, "description": ""}
	}
	group := func(blocks ...any) evaltest.Change {
		return evaltest.Change{Address: sg, Type: "aws_security_group", After: map[string]any{"name": "app", "ingress": blocks},
			Config: map[string]any{"name": map[string]any{"constant_value": "app"}, "ingress": []any{map[string]any{}}}}
	}
	rule := func(address string, after map[string]any, afterUnknown map[string]any) evaltest.Change {
		return evaltest.Change{Address: address, Type: "aws_security_group_rule", After: after, AfterUnknown: afterUnknown}
	}
	vpcRule := func(address string, after map[string]any) evaltest.Change {
		return evaltest.Change{Address: address, Type: "aws_vpc_security_group_ingress_rule", After: after}
	}
	internet := []any{"0.0.0.0/0"}
	tests := []ruleCase{
		{
			name:   "an inline rule opening SSH to the internet fails",
			change: group(ingress("tcp", 443, 443, internet, []any{}), ingress("tcp", 22, 22, internet, []any{})),
			want: []evaluator.Finding{fail(id, sg, "ingress", "ingress[1] allows tcp 22 from 0.0.0.0/0 (listed ports 22)",
				expected, "ingress[1] tcp 22 from 0.0.0.0/0")},
		},
		{
			name:   "an inline rule opening HTTPS to the internet and SSH to the VPC passes",
			change: group(ingress("tcp", 443, 443, internet, []any{"::/0"}), ingress("tcp", 22, 22, []any{"10.0.0.0/8"}, []any{})),
			want:   []evaluator.Finding{pass(id, sg, "ingress", clean)},
		},
		{
			name:   "a port range containing a database port over IPv6 fails",
			change: group(ingress("tcp", 5000, 6000, []any{}, []any{"::/0"})),
			want: []evaluator.Finding{fail(id, sg, "ingress", "ingress[0] allows tcp 5000-6000 from ::/0 (listed ports 5432, 5439)",
				expected, "ingress[0] tcp 5000-6000 from ::/0")},
		},
		{
			name:   "protocol -1 opens every port whatever the port numbers say",
			change: group(ingress("-1", 0, 0, internet, []any{})),
			want: []evaluator.Finding{fail(id, sg, "ingress",
				"ingress[0] allows all traffic from 0.0.0.0/0 (listed ports 22, 3389, 3306, 5432, 1433, 1521, 27017, 6379, 9200, 5439)",
				expected, "ingress[0] all traffic from 0.0.0.0/0")},
		},
		{
			name:   "icmp from the internet has no ports and passes",
			change: group(ingress("icmp", -1, -1, internet, []any{})),
			want:   []evaluator.Finding{pass(id, sg, "ingress", clean)},
		},
		{
			name: "a cidr known only after apply on an admin port is unknown",
			change: evaltest.Change{Address: sg, Type: "aws_security_group",
				After:        map[string]any{"ingress": []any{ingress("tcp", 22, 22, []any{nil}, []any{})}},
				AfterUnknown: map[string]any{"ingress": []any{map[string]any{"cidr_blocks": []any{true}}}},
				Config:       map[string]any{"ingress": []any{map[string]any{}}}},
			want: []evaluator.Finding{unknown(id, sg, "ingress.0.cidr_blocks.0", expected)},
		},
		{
			name: "a port known only after apply open to the internet is unknown",
			change: evaltest.Change{Address: sg, Type: "aws_security_group",
				After:        map[string]any{"ingress": []any{map[string]any{"protocol": "tcp", "from_port": 0, "cidr_blocks": internet}}},
				AfterUnknown: map[string]any{"ingress": []any{map[string]any{"to_port": true}}},
				Config:       map[string]any{"ingress": []any{map[string]any{}}}},
			want: []evaluator.Finding{unknown(id, sg, "ingress.0.to_port", expected)},
		},
		{
			name: "a new group with no ingress written passes as absent",
			change: evaltest.Change{Address: sg, Type: "aws_security_group", After: map[string]any{"name": "app"},
				AfterUnknown: map[string]any{"ingress": true}, Config: map[string]any{"name": map[string]any{"constant_value": "app"}}},
			want: []evaluator.Finding{pass(id, sg, "ingress", "ingress is not written in the configuration and is known only after apply")},
		},
		{
			name: "a group whose ingress mirrors a separate rule resource is judged on that resource only",
			changes: []evaltest.Change{
				{Address: sg, Type: "aws_security_group", Actions: []string{"no-op"},
					Before: map[string]any{"id": "sg-1", "ingress": []any{ingress("tcp", 22, 22, internet, []any{})}},
					After:  map[string]any{"id": "sg-1", "ingress": []any{ingress("tcp", 22, 22, internet, []any{})}},
					Config: map[string]any{"name": map[string]any{"constant_value": "app"}}},
				rule("aws_security_group_rule.ssh", map[string]any{"type": "ingress", "security_group_id": "sg-1", "protocol": "tcp",
					"from_port": 22, "to_port": 22, "cidr_blocks": internet}, nil),
			},
			want: []evaluator.Finding{
				pass(id, sg, "ingress", "ingress is not written in the configuration; aws_security_group_rule.ssh manages this group's rules and is judged on its own"),
				fail(id, "aws_security_group_rule.ssh", "cidr_blocks", "allows tcp 22 from 0.0.0.0/0 (listed ports 22)", expected, "tcp 22 from 0.0.0.0/0"),
			},
		},
		{
			name: "a group with dynamic ingress blocks (absent from the configuration) is judged on its values",
			change: evaltest.Change{Address: sg, Type: "aws_security_group",
				After:  map[string]any{"ingress": []any{ingress("tcp", 3389, 3389, internet, []any{})}},
				Config: map[string]any{"name": map[string]any{"constant_value": "app"}}},
			want: []evaluator.Finding{fail(id, sg, "ingress", "ingress[0] allows tcp 3389 from 0.0.0.0/0 (listed ports 3389)",
				expected, "ingress[0] tcp 3389 from 0.0.0.0/0")},
		},
		{
			name: "an ingress rule resource covering a range with SSH fails",
			change: rule("aws_security_group_rule.wide", map[string]any{"type": "ingress", "protocol": "tcp", "from_port": 0, "to_port": 1000,
				"cidr_blocks": []any{"10.0.0.0/8", "0.0.0.0/0"}}, nil),
			want: []evaluator.Finding{fail(id, "aws_security_group_rule.wide", "cidr_blocks", "allows tcp 0-1000 from 0.0.0.0/0 (listed ports 22)",
				expected, "tcp 0-1000 from 0.0.0.0/0")},
		},
		{
			name:   "an egress rule resource gets no finding",
			change: rule("aws_security_group_rule.out", map[string]any{"type": "egress", "protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": internet}, nil),
			want:   nil,
		},
		{
			name: "an ingress rule resource with a cidr list known only after apply is unknown",
			change: rule("aws_security_group_rule.db", map[string]any{"type": "ingress", "protocol": "tcp", "from_port": 5432, "to_port": 5432},
				map[string]any{"cidr_blocks": true}),
			want: []evaluator.Finding{unknown(id, "aws_security_group_rule.db", "cidr_blocks", expected)},
		},
		{
			name: "an ingress rule resource from the VPC passes",
			change: rule("aws_security_group_rule.db", map[string]any{"type": "ingress", "protocol": "6", "from_port": 5432, "to_port": 5432,
				"cidr_blocks": []any{"10.0.0.0/16"}}, nil),
			want: []evaluator.Finding{pass(id, "aws_security_group_rule.db", "cidr_blocks", clean)},
		},
		{
			name:   "a VPC ingress rule opening Redis to ::/0 fails",
			change: vpcRule("aws_vpc_security_group_ingress_rule.redis", map[string]any{"ip_protocol": "tcp", "from_port": 6379, "to_port": 6379, "cidr_ipv6": "::/0"}),
			want: []evaluator.Finding{fail(id, "aws_vpc_security_group_ingress_rule.redis", "cidr_ipv6", "allows tcp 6379 from ::/0 (listed ports 6379)",
				expected, "tcp 6379 from ::/0")},
		},
		{
			name:   "a VPC ingress rule for all traffic (no ports) from the internet fails",
			change: vpcRule("aws_vpc_security_group_ingress_rule.all", map[string]any{"ip_protocol": "-1", "cidr_ipv4": "0.0.0.0/0"}),
			want: []evaluator.Finding{fail(id, "aws_vpc_security_group_ingress_rule.all", "cidr_ipv4",
				"allows all traffic from 0.0.0.0/0 (listed ports 22, 3389, 3306, 5432, 1433, 1521, 27017, 6379, 9200, 5439)",
				expected, "all traffic from 0.0.0.0/0")},
		},
		{
			name:   "a VPC ingress rule for HTTPS from the internet passes",
			change: vpcRule("aws_vpc_security_group_ingress_rule.https", map[string]any{"ip_protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_ipv4": "0.0.0.0/0"}),
			want:   []evaluator.Finding{pass(id, "aws_vpc_security_group_ingress_rule.https", "cidr_ipv4", clean)},
		},
		{
			name:   "the ports parameter narrows the check",
			change: vpcRule("aws_vpc_security_group_ingress_rule.pg", map[string]any{"ip_protocol": "tcp", "from_port": 5432, "to_port": 5432, "cidr_ipv4": "0.0.0.0/0"}),
			params: map[string]any{"ports": []string{"22", "8000-8100"}},
			want:   []evaluator.Finding{pass(id, "aws_vpc_security_group_ingress_rule.pg", "cidr_ipv4", clean)},
		},
		{
			name:   "a port range in the ports parameter matches an overlapping rule",
			change: vpcRule("aws_vpc_security_group_ingress_rule.app", map[string]any{"ip_protocol": "tcp", "from_port": 8080, "to_port": 8080, "cidr_ipv4": "0.0.0.0/0"}),
			params: map[string]any{"ports": []string{"22", "8000-8100"}},
			want: []evaluator.Finding{fail(id, "aws_vpc_security_group_ingress_rule.app", "cidr_ipv4", "allows tcp 8080 from 0.0.0.0/0 (listed ports 8000-8100)",
				"no ingress from 0.0.0.0/0 or ::/0 to ports 22, 8000-8100", "tcp 8080 from 0.0.0.0/0")},
		},
		{
			name:   "a malformed ports parameter fails closed",
			change: vpcRule("aws_vpc_security_group_ingress_rule.app", map[string]any{"ip_protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_ipv4": "10.0.0.0/8"}),
			params: map[string]any{"ports": []string{"ssh"}},
			want: []evaluator.Finding{fail(id, "aws_vpc_security_group_ingress_rule.app", "ports",
				`policy parameter ports has "ssh", which is neither a port nor a range such as "8000-8100"`, "ports between 0 and 65535", `"ssh"`)},
		},
		{
			name: "a destroyed group is left to the lifecycle rules",
			change: evaltest.Change{Address: sg, Type: "aws_security_group", Actions: []string{"delete"},
				Before: map[string]any{"ingress": []any{ingress("tcp", 22, 22, internet, []any{})}}},
			want: nil,
		},
	}
	runRuleCases(t, SecurityGroupOpenAdminPorts{}, tests)
}
