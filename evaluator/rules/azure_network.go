package rules

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// AzureNSGOpenAdminPorts forbids network security rules that let the internet
// reach administration ports.
type AzureNSGOpenAdminPorts struct{}

func (AzureNSGOpenAdminPorts) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "azure-nsg-open-admin-ports",
		Title:         "Network security rules do not open admin ports to the internet",
		Severity:      evaluator.SeverityHigh,
		Category:      "exposure",
		Provider:      "azurerm",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: []string{"azurerm_network_security_rule", "azurerm_network_security_group"},
		References:    []string{"CKV_AZURE_10", "CKV_AZURE_9", "AVD-AZU-0050", "AVD-AZU-0048"},
		Params: []evaluator.ParamSpec{{
			Name:    "ports",
			Kind:    evaluator.ParamStringList,
			Default: []string{"22", "3389"},
			Source: "SSH 22 and RDP 3389: CIS Microsoft Azure Foundations Benchmark 6.1 (RDP from the internet) and 6.2 " +
				"(SSH from the internet); Checkov CKV_AZURE_9/10 and Trivy AVD-AZU-0048/0050 check the same two ports",
			Doc: "Destination ports that must not be reachable from the internet (single port numbers).",
		}},
		Doc: evaluator.RuleDoc{
			Summary: "SSH and RDP open to the internet are scanned and brute-forced within minutes; reach them through Azure " +
				"Bastion, a VPN or just-in-time access instead. Judged: every azurerm_network_security_rule, and every " +
				"inline security_rule of an azurerm_network_security_group, one finding per offending rule. An inline " +
				"rule whose name is also a separate azurerm_network_security_rule in the plan (or prior_state) of the " +
				"same group (network_security_group_name equal to the group's name, and resource_group_name equal when " +
				"both are known) is left to that resource, since Terraform reads those back into the group. Not judged " +
				"(no finding): destroyed or forgotten resources.",
			Pass: "No rule is open: each has direction other than \"Inbound\", or access other than \"Allow\", or protocol " +
				"\"Icmp\", \"Esp\" or \"Ah\" (no ports), or no internet source, or no destination port in ports (default 22, 3389). " +
				"A group's security_rule set that shows as known after apply counts as empty when the configuration does not " +
				"write it (the rules then live in separate resources).",
			Fail: "A rule with direction \"Inbound\", access \"Allow\", protocol \"Tcp\", \"Udp\" or \"*\", a source in " +
				"source_address_prefix or source_address_prefixes of \"*\", \"Internet\", \"Any\", \"0.0.0.0\", \"::\" or any /0 " +
				"prefix (\"0.0.0.0/0\", \"::/0\"), and a destination_port_range or destination_port_ranges entry of \"*\", a " +
				"listed port, or a range \"low-high\" containing one (compared without regard to case).",
			Unknown: "No rule fails, and for some rule a value that decides it (direction, access, protocol, the source " +
				"prefixes, the destination port ranges, or the group's whole security_rule set when the configuration writes " +
				"it) is known only after apply.",
			Remediation: "Restrict source_address_prefix(es) to your administration networks, or remove the rule and use " +
				"Azure Bastion or just-in-time VM access.",
			Example: "resource \"azurerm_network_security_rule\" \"ssh\" {\n  name                        = \"ssh-from-vpn\"\n" +
				"  priority                    = 100\n  direction                   = \"Inbound\"\n  access                      = \"Allow\"\n" +
				"  protocol                    = \"Tcp\"\n  source_port_range           = \"*\"\n  destination_port_range      = \"22\"\n" +
				"  source_address_prefix       = \"10.20.0.0/16\"\n  destination_address_prefix  = \"*\"\n" +
				"  resource_group_name         = azurerm_resource_group.main.name\n" +
				"  network_security_group_name = azurerm_network_security_group.main.name\n}",
		},
	}
}

// nsgTri is a three-valued truth: no, yes, or not known until apply.
type nsgTri int

const (
	nsgNo nsgTri = iota
	nsgYes
	nsgMaybe
)

func nsgAll(ts ...nsgTri) nsgTri {
	out := nsgYes
	for _, t := range ts {
		if t == nsgNo {
			return nsgNo
		}
		if t == nsgMaybe {
			out = nsgMaybe
		}
	}
	return out
}

// nsgRule reads one security rule's attributes, standalone or inline.
type nsgRule struct {
	get  func(attr string) tfplan.Value
	name string
	// attribute prefix for findings ("" standalone, security_rule for inline).
	attr string
}

func (AzureNSGOpenAdminPorts) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	ports := c.Strings("ports")
	expected := "no inbound Allow rule from the internet to port " + strings.Join(ports, ", ")
	var rules []nsgRule
	if r.Type == "azurerm_network_security_rule" {
		name, _ := r.After("name").Str()
		rules = append(rules, nsgRule{get: r.After, name: name})
	} else {
		set := r.After("security_rule")
		if set.State == tfplan.Unknown {
			if r.Configured("security_rule") == tfplan.ConfigNotSet {
				return []evaluator.Finding{c.Pass(r, "security_rule", "the group has no inline security_rule of its own")}
			}
			return []evaluator.Finding{c.Unknown(r, "security_rule", expected)}
		}
		list, _ := set.List()
		separate := separateNSGRuleNames(c, r)
		for i := range list {
			prefix := "security_rule." + strconv.Itoa(i) + "."
			get := func(attr string) tfplan.Value { return r.After(prefix + attr) }
			name, _ := get("name").Str()
			if separate[name] {
				continue
			}
			rules = append(rules, nsgRule{get: get, name: name, attr: "security_rule"})
		}
	}
	var out []evaluator.Finding
	var unknownRule *nsgRule
	for i := range rules {
		rule := &rules[i]
		verdict, sourceAttr, source, port := rule.open(ports)
		switch verdict {
		case nsgYes:
			attr := rule.attr
			if attr == "" {
				attr = sourceAttr
			}
			actual := fmt.Sprintf("source %q, destination port %s", source, port)
			out = append(out, c.Fail(r, attr,
				fmt.Sprintf("security rule %q allows inbound traffic from %q to port %s", rule.name, source, port),
				expected, actual))
		case nsgMaybe:
			if unknownRule == nil {
				unknownRule = rule
			}
		}
	}
	switch {
	case len(out) > 0:
		return out
	case unknownRule != nil:
		attr := unknownRule.attr
		if attr == "" {
			attr = "source_address_prefix"
		}
		return []evaluator.Finding{c.UnknownBecause(r, attr, fmt.Sprintf(
			"security rule %q has a direction, access, protocol, source or port known only after apply, so the plan cannot show it keeps port %s closed to the internet",
			unknownRule.name, strings.Join(ports, ", ")), expected)}
	}
	if r.Type == "azurerm_network_security_rule" {
		return []evaluator.Finding{c.Pass(r, "source_address_prefix", "the rule does not open port "+strings.Join(ports, ", ")+" to the internet")}
	}
	if len(rules) == 0 {
		return []evaluator.Finding{c.Pass(r, "security_rule", "the group has no inline security_rule of its own")}
	}
	return []evaluator.Finding{c.Pass(r, "security_rule", fmt.Sprintf("none of its %d inline security rules open port %s to the internet",
		len(rules), strings.Join(ports, ", ")))}
}

// separateNSGRuleNames lists the names of azurerm_network_security_rule
// resources that belong to the group g.
func separateNSGRuleNames(c *evaluator.Context, g *tfplan.Resource) map[string]bool {
	names := map[string]bool{}
	group, ok := g.After("name").Str()
	if !ok {
		return names
	}
	rg, rgKnown := g.After("resource_group_name").Str()
	for _, rule := range c.Plan.Pointing("azurerm_network_security_rule", "network_security_group_name", g, "name") {
		if n, ok := rule.After("network_security_group_name").Str(); !ok || n != group {
			continue
		}
		if rrg, ok := rule.After("resource_group_name").Str(); ok && rgKnown && !strings.EqualFold(rrg, rg) {
			continue
		}
		if name, ok := rule.After("name").Str(); ok {
			names[name] = true
		}
	}
	return names
}

// open decides whether the rule lets the internet reach one of ports. It
// returns the source attribute and prefix that matched and the port reached.
func (n *nsgRule) open(ports []string) (verdict nsgTri, sourceAttr, source, port string) {
	direction := nsgEqualFold(n.get("direction"), "Inbound")
	access := nsgEqualFold(n.get("access"), "Allow")
	protocol := nsgYes
	if p := n.get("protocol"); p.State == tfplan.Unknown {
		protocol = nsgMaybe
	} else if s, ok := p.Str(); ok {
		switch strings.ToLower(s) {
		case "icmp", "esp", "ah":
			protocol = nsgNo
		}
	}
	internet, sourceAttr, source := nsgAnyMatch(n.get("source_address_prefix"), n.get("source_address_prefixes"), nsgInternetPrefix)
	var matchedPort string
	portMatch := func(entry string) bool {
		for _, p := range ports {
			if nsgPortCovers(entry, p) {
				matchedPort = p
				return true
			}
		}
		return false
	}
	dest, _, _ := nsgAnyMatch(n.get("destination_port_range"), n.get("destination_port_ranges"), portMatch)
	return nsgAll(direction, access, protocol, internet, dest), sourceAttr, source, matchedPort
}

func nsgEqualFold(v tfplan.Value, want string) nsgTri {
	if v.State == tfplan.Unknown {
		return nsgMaybe
	}
	if s, ok := v.Str(); ok && strings.EqualFold(s, want) {
		return nsgYes
	}
	return nsgNo
}

// nsgAnyMatch applies match to a single-valued attribute and a list attribute
// that express the same thing (source_address_prefix and _prefixes). It
// returns the attribute and the entry that matched.
func nsgAnyMatch(single, list tfplan.Value, match func(string) bool) (nsgTri, string, string) {
	if s, ok := single.Str(); ok && match(s) {
		return nsgYes, single.Path, s
	}
	if items, ok := list.List(); ok {
		for _, item := range items {
			if s, ok := item.(string); ok && match(s) {
				return nsgYes, list.Path, s
			}
		}
	}
	if single.State == tfplan.Unknown || list.State == tfplan.Unknown {
		return nsgMaybe, "", ""
	}
	return nsgNo, "", ""
}

// nsgInternetPrefix reports whether an address prefix means "anywhere".
func nsgInternetPrefix(p string) bool {
	switch strings.ToLower(strings.TrimSpace(p)) {
	case "*", "internet", "any", "0.0.0.0", "::":
		return true
	}
	return internetPrefix(p)
}

// nsgPortCovers reports whether a port range entry ("*", "22", "20-30")
// includes port.
func nsgPortCovers(entry, port string) bool {
	span, ok := parsePortSpan(entry)
	p, err := strconv.ParseInt(strings.TrimSpace(port), 10, 64)
	return ok && err == nil && span.covers(p)
}
