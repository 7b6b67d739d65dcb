package rules

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// SecurityGroupOpenAdminPorts forbids ingress from the whole internet to
// administration and database ports, in every form the AWS provider offers:
// inline ingress blocks, aws_security_group_rule and
// aws_vpc_security_group_ingress_rule.
type SecurityGroupOpenAdminPorts struct{}

var sgDefaultAdminPorts = []string{"22", "3389", "3306", "5432", "1433", "1521", "27017", "6379", "9200", "5439"}

func (SecurityGroupOpenAdminPorts) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "aws-security-group-open-admin-ports",
		Title:         "Security groups do not open admin or database ports to the internet",
		Severity:      evaluator.SeverityHigh,
		Category:      "exposure",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: []string{"aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule"},
		Params: []evaluator.ParamSpec{{
			Name:    "ports",
			Kind:    evaluator.ParamStringList,
			Default: sgDefaultAdminPorts,
			Source: "22 (SSH) and 3389 (RDP): CIS AWS Foundations Benchmark 5.2 (0.0.0.0/0) and 5.3 (::/0), AWS FSBP " +
				"EC2.13 and EC2.14; 3306 MySQL/MariaDB/Aurora, 5432 PostgreSQL, 1433 SQL Server, 1521 Oracle, 27017 " +
				"MongoDB/DocumentDB, 6379 Redis/ElastiCache, 9200 Elasticsearch/OpenSearch, 5439 Redshift: the default " +
				"listener ports of those engines",
			Doc: "Ports that must not be reachable from 0.0.0.0/0 or ::/0. Each entry is a port (\"22\") or an inclusive " +
				"range (\"8000-8100\").",
		}},
		References: []string{"CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_277", "AVD-AWS-0107", "AWS FSBP EC2.13", "AWS FSBP EC2.14"},
		Doc: evaluator.RuleDoc{
			Summary: "SSH, RDP and database listeners open to the whole internet are found by scanners within minutes " +
				"and attacked with stolen or guessed credentials and unpatched exploits; reach them through a VPN, a " +
				"bastion, SSM Session Manager or a private network instead. Each resource is judged on its own rules: " +
				"aws_security_group on its inline ingress blocks, aws_security_group_rule with type = \"ingress\" " +
				"(egress rules get no finding), and aws_vpc_security_group_ingress_rule. A rule reaches a listed port when " +
				"its protocol is \"-1\" or \"all\" (every port, whatever from_port/to_port say), or is tcp/udp (\"6\"/\"17\") " +
				"with from_port..to_port including the port (a port bound that is not set counts as 0 or 65535). icmp, " +
				"icmpv6 and other protocols have no ports and never match. An address range is the internet when it is " +
				"a /0 prefix (0.0.0.0/0, ::/0). prefix_list_ids and source security groups are not judged. When the " +
				"configuration does not show ingress written (no inline blocks, or only `dynamic` blocks, which the plan's " +
				"configuration omits), an aws_security_group's ingress value is still judged, since it may come from " +
				"dynamic blocks or changes made outside Terraform, except when a rule resource (aws_security_group_rule " +
				"or aws_vpc_security_group_ingress_rule, in the plan or only in prior_state) targets the group through " +
				"security_group_id (known id or configuration reference): the value then mirrors those rules, which are " +
				"judged on their own resources, so one problem gives one finding. Not judged (no finding): destroyed or " +
				"forgotten resources.",
			Pass: "aws_security_group, ingress aws_security_group_rule or aws_vpc_security_group_ingress_rule that will " +
				"exist after apply where no rule combines an internet range (cidr_blocks / ipv6_cidr_blocks, or " +
				"cidr_ipv4 / cidr_ipv6) with a protocol and port range reaching a port in ports; an aws_security_group " +
				"with no inline ingress; or an aws_security_group whose configuration does not show ingress written and whose " +
				"ingress is known only after apply (on create: no inline rules) or mirrors a targeting rule resource.",
			Fail: "Some rule allows 0.0.0.0/0 or ::/0 (any /0 prefix) to reach a listed port, including protocol \"-1\" " +
				"(all traffic) and ranges such as 0-65535 that contain a listed port; one finding per resource lists " +
				"every such rule. Also fails when an entry of ports is neither a port nor a range.",
			Unknown: "No rule fails, and: the type of an aws_security_group_rule is known only after apply; or the whole " +
				"ingress list of an aws_security_group is known only after apply while its configuration writes ingress (or " +
				"the plan has no configuration section); or for some rule the protocol, from_port, to_port, a range list or " +
				"one of its entries is known only after apply while the rest of that rule could still reach a listed port " +
				"from the internet.",
			Remediation: "Replace 0.0.0.0/0 and ::/0 with the ranges that need access (VPN, office, bastion), or remove " +
				"the rule and use SSM Session Manager; keep databases on private subnets and reach them from application " +
				"security groups.",
			Example: "resource \"aws_vpc_security_group_ingress_rule\" \"ssh\" {\n  security_group_id = aws_security_group.app.id\n" +
				"  cidr_ipv4         = \"10.20.0.0/16\"\n  ip_protocol       = \"tcp\"\n  from_port         = 22\n  to_port           = 22\n}",
		},
	}
}

// sgParsePorts reads the ports parameter; bad names the first entry that is
// not a port or range.
func sgParsePorts(entries []string) (spans []portSpan, bad string) {
	out := make([]portSpan, 0, len(entries))
	for _, e := range entries {
		span, ok := parsePortSpan(e)
		if !ok || e == "*" {
			return nil, e
		}
		out = append(out, span)
	}
	return out, ""
}

// sgRule names the attribute paths of one ingress rule.
type sgRule struct {
	where    string   // "ingress[0] " for inline blocks, "" for rule resources
	protocol string   // path of the protocol attribute
	from, to string   // paths of the port bounds
	cidrs    []string // paths of the address attributes: lists or single strings
}

// sgOffense is one rule that opens a listed port to the internet.
type sgOffense struct {
	attr, where, traffic, cidr string
	listed                     []string
}

type sgTri int

const (
	sgNo sgTri = iota
	sgMaybe
	sgYes
)

func (SecurityGroupOpenAdminPorts) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	ports, bad := sgParsePorts(c.Strings("ports"))
	if bad != "" {
		return []evaluator.Finding{c.Fail(r, "ports", fmt.Sprintf("policy parameter ports has %q, which is neither a port nor a range such as \"8000-8100\"", bad),
			"ports between 0 and 65535", strconv.Quote(bad))}
	}
	listed := make([]string, len(ports))
	for i, p := range ports {
		listed[i] = p.String()
	}
	expected := "no ingress from 0.0.0.0/0 or ::/0 to ports " + strings.Join(listed, ", ")
	const clean = "no ingress from 0.0.0.0/0 or ::/0 reaches a listed port"

	var rules []sgRule
	attr := "ingress"
	switch r.Type {
	case "aws_security_group":
		v := r.After("ingress")
		if r.Configured("ingress") == tfplan.ConfigNotSet {
			if v.State == tfplan.Unknown {
				return []evaluator.Finding{c.Pass(r, attr, "ingress is not written in the configuration and is known only after apply")}
			}
			if by := sgSeparateRule(c.Plan, r); by != "" {
				return []evaluator.Finding{c.Pass(r, attr, "ingress is not written in the configuration; "+by+
					" manages this group's rules and is judged on its own")}
			}
		}
		switch v.State {
		case tfplan.Unknown:
			return []evaluator.Finding{c.Unknown(r, "ingress", expected)}
		case tfplan.NotSet:
			return []evaluator.Finding{c.Pass(r, attr, "no inline ingress rules")}
		}
		blocks := []string{"ingress"}
		if list, ok := v.List(); ok {
			blocks = blocks[:0]
			for i := range list {
				blocks = append(blocks, fmt.Sprintf("ingress.%d", i))
			}
		}
		for i, b := range blocks {
			rules = append(rules, sgRule{where: fmt.Sprintf("ingress[%d] ", i), protocol: b + ".protocol", from: b + ".from_port", to: b + ".to_port",
				cidrs: []string{b + ".cidr_blocks", b + ".ipv6_cidr_blocks"}})
		}
	case "aws_security_group_rule":
		typ := r.After("type")
		if typ.State == tfplan.Unknown {
			return []evaluator.Finding{c.Unknown(r, "type", expected)}
		}
		if s, _ := typ.Str(); s != "ingress" {
			return nil
		}
		rules = []sgRule{{protocol: "protocol", from: "from_port", to: "to_port", cidrs: []string{"cidr_blocks", "ipv6_cidr_blocks"}}}
	case "aws_vpc_security_group_ingress_rule":
		rules = []sgRule{{protocol: "ip_protocol", from: "from_port", to: "to_port", cidrs: []string{"cidr_ipv4", "cidr_ipv6"}}}
	default:
		return nil
	}

	var offenses []sgOffense
	unknownPath := ""
	for _, rule := range rules {
		hit, traffic, path := sgPortsHit(r, rule, ports)
		if hit == sgNo {
			continue
		}
		for _, cidrAttr := range rule.cidrs {
			open, cidr, cpath := sgInternetRange(r, cidrAttr)
			switch {
			case open == sgYes && hit == sgYes:
				offenses = append(offenses, sgOffense{attr: cidrAttr, where: rule.where, traffic: traffic, cidr: cidr, listed: sgListedHits(r, rule, ports)})
			case open == sgNo:
			case unknownPath == "":
				if open == sgMaybe {
					unknownPath = cpath
				} else {
					unknownPath = path
				}
			}
		}
	}
	if len(offenses) > 0 {
		if r.Type != "aws_security_group" {
			attr = offenses[0].attr
		}
		var msgs, actual []string
		for _, o := range offenses {
			msgs = append(msgs, fmt.Sprintf("%sallows %s from %s (listed ports %s)", o.where, o.traffic, o.cidr, strings.Join(o.listed, ", ")))
			actual = append(actual, o.where+o.traffic+" from "+o.cidr)
		}
		return []evaluator.Finding{c.Fail(r, attr, strings.Join(msgs, "; "), expected, strings.Join(actual, "; "))}
	}
	if unknownPath != "" {
		return []evaluator.Finding{c.Unknown(r, unknownPath, expected)}
	}
	if r.Type != "aws_security_group" {
		attr = sgFirstCIDRAttr(rules)
	}
	return []evaluator.Finding{c.Pass(r, attr, clean)}
}

// sgSeparateRule names a rule resource (aws_security_group_rule or
// aws_vpc_security_group_ingress_rule, in the plan or only in prior_state)
// whose security_group_id targets sg, or "".
func sgSeparateRule(plan *tfplan.Plan, sg *tfplan.Resource) string {
	for _, typ := range []string{"aws_security_group_rule", "aws_vpc_security_group_ingress_rule"} {
		if xs := plan.Pointing(typ, "security_group_id", sg, "id"); len(xs) > 0 {
			return xs[0].Address
		}
	}
	return ""
}

func sgFirstCIDRAttr(rules []sgRule) string { return rules[0].cidrs[0] }

// sgPortsHit says whether the rule's protocol and port range reach a listed
// port, describes the traffic ("tcp 0-65535", "all traffic") and names the
// path that is unknown when the answer is sgMaybe.
func sgPortsHit(r *tfplan.Resource, rule sgRule, ports []portSpan) (sgTri, string, string) {
	proto := r.After(rule.protocol)
	if proto.State == tfplan.Unknown {
		return sgMaybe, "", rule.protocol
	}
	p, _ := proto.Str()
	if proto.State == tfplan.Known && p == "" {
		if n, ok := proto.Int(); ok {
			p = strconv.FormatInt(n, 10)
		}
	}
	p = strings.ToLower(p)
	switch p {
	case "-1", "all":
		return sgYes, "all traffic", ""
	case "tcp", "6", "udp", "17":
	default:
		return sgNo, "", ""
	}
	name := map[string]string{"6": "tcp", "17": "udp"}[p]
	if name == "" {
		name = p
	}
	lo, hi, unknownPath := sgBounds(r, rule)
	if unknownPath != "" {
		return sgMaybe, "", unknownPath
	}
	for _, want := range ports {
		if lo <= want.to && want.from <= hi {
			return sgYes, name + " " + portSpan{lo, hi}.String(), ""
		}
	}
	return sgNo, "", ""
}

func sgBounds(r *tfplan.Resource, rule sgRule) (lo, hi int64, unknownPath string) {
	lo, hi = 0, 65535
	for _, b := range []struct {
		path string
		dst  *int64
	}{{rule.from, &lo}, {rule.to, &hi}} {
		v := r.After(b.path)
		if v.State == tfplan.Unknown {
			return 0, 0, b.path
		}
		if n, ok := v.Int(); ok {
			*b.dst = n
		}
	}
	return lo, hi, ""
}

// sgListedHits lists the listed ports a rule already known to hit reaches.
func sgListedHits(r *tfplan.Resource, rule sgRule, ports []portSpan) []string {
	proto, _ := r.After(rule.protocol).Str()
	all := proto == "-1" || strings.EqualFold(proto, "all")
	lo, hi, _ := sgBounds(r, rule)
	var out []string
	for _, p := range ports {
		if all || (lo <= p.to && p.from <= hi) {
			out = append(out, p.String())
		}
	}
	return out
}

// sgInternetRange reads a list of ranges (cidr_blocks) or a single range
// (cidr_ipv4): sgYes with the range when one is a /0 prefix, sgMaybe with
// the path when a range is known only after apply.
func sgInternetRange(r *tfplan.Resource, path string) (sgTri, string, string) {
	v := r.After(path)
	switch v.State {
	case tfplan.Unknown:
		return sgMaybe, "", path
	case tfplan.NotSet:
		return sgNo, "", ""
	}
	if s, ok := v.Str(); ok {
		if internetPrefix(s) {
			return sgYes, s, ""
		}
		return sgNo, "", ""
	}
	list, _ := v.List()
	state, unknownPath := sgNo, ""
	for i, item := range list {
		s, ok := item.(string)
		if !ok {
			if p := fmt.Sprintf("%s.%d", path, i); r.After(p).State == tfplan.Unknown && state == sgNo {
				state, unknownPath = sgMaybe, p
			}
			continue
		}
		if internetPrefix(s) {
			return sgYes, s, ""
		}
	}
	return state, "", unknownPath
}
