package rules

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// GoogleFirewallOpenAdminPorts forbids VPC firewall rules that let the whole
// internet reach administration and database ports.
type GoogleFirewallOpenAdminPorts struct{}

func (GoogleFirewallOpenAdminPorts) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "google-firewall-open-admin-ports",
		Title:         "Firewall rules do not open admin or database ports to the internet",
		Severity:      evaluator.SeverityHigh,
		Category:      "exposure",
		Provider:      "google",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: []string{"google_compute_firewall"},
		Params: []evaluator.ParamSpec{{
			Name:    "ports",
			Kind:    evaluator.ParamStringList,
			Default: []string{"22", "1433", "3306", "3389", "5432", "6379", "27017"},
			Source: "22 (SSH) and 3389 (RDP): CIS Google Cloud Platform Foundation Benchmark 3.6 and 3.7; 3306 (MySQL): " +
				"Checkov CKV_GCP_88; 1433, 5432, 6379 and 27017: the default ports of SQL Server, PostgreSQL, Redis and MongoDB",
			Doc: "Ports that must not be reachable from 0.0.0.0/0 or ::/0. Each entry is a port number; a rule whose allow " +
				"block covers it (exactly, through a range, or with no ports at all) fails.",
		}},
		References: []string{"CKV_GCP_2", "CKV_GCP_3", "CKV_GCP_88", "GCP-0071", "AVD-GCP-0071", "GCP-0070", "AVD-GCP-0070",
			"AVD-GCP-0027", "CIS GCP 3.6", "CIS GCP 3.7"},
		Doc: evaluator.RuleDoc{
			Summary: "SSH, RDP and database ports open to the whole internet are scanned and brute-forced within minutes of " +
				"creation. Each google_compute_firewall is judged on its own: a higher-priority deny rule elsewhere, target " +
				"tags and the instances' external IPs are not taken into account. Unlike Checkov, an allow block without " +
				"ports (every port) counts, and so does an ingress rule with no source at all, which Google Cloud treats as " +
				"0.0.0.0/0. Not judged (no finding): destroyed or forgotten rules.",
			Pass: "google_compute_firewall that will exist after apply (create, update, no-op, replace) for which any of these " +
				"holds: disabled = true; direction = \"EGRESS\"; its sources do not include the whole internet (source_ranges " +
				"has no entry ending in \"/0\", and either source_ranges is non-empty or source_tags or source_service_accounts " +
				"is set); or no allow block with protocol tcp, udp, sctp, all or their numbers 6, 17, 132 covers a port in " +
				"the ports parameter (ports not set or empty covers every port; \"1000-2000\" covers a range).",
			Fail: "An enabled (disabled false or not set) ingress rule (direction \"INGRESS\" or not set, the default) whose " +
				"source_ranges contains an entry ending in \"/0\" (0.0.0.0/0, ::/0), or that has no source_ranges, source_tags " +
				"or source_service_accounts at all (the API then uses 0.0.0.0/0), and that has an allow block of protocol " +
				"tcp, udp, sctp, all (or 6, 17, 132) covering a listed port. A port entry that is not a number or a range " +
				"of numbers is taken to cover every port.",
			Unknown: "None of the pass conditions can be shown and one of disabled, direction, source_ranges (or an entry of " +
				"it), source_tags, source_service_accounts, allow, or an allow block's protocol or ports is known only after " +
				"apply (a value the configuration does not write is judged by its default when the plan has a configuration " +
				"section).",
			Remediation: "Limit `source_ranges` to the addresses that need access (a bastion, a VPN range, the IAP range " +
				"35.235.240.0/20 for IAP TCP forwarding), or remove the admin and database ports from the `allow` block.",
			Example: "resource \"google_compute_firewall\" \"ssh_from_iap\" {\n  name          = \"allow-ssh-from-iap\"\n  network       = google_compute_network.main.id\n  direction     = \"INGRESS\"\n  source_ranges = [\"35.235.240.0/20\"]\n\n  allow {\n    protocol = \"tcp\"\n    ports    = [\"22\"]\n  }\n}",
		},
	}
}

// googleTri is a yes / no / not-known-yet answer.
type googleTri int

const (
	googleYes googleTri = iota
	googleNo
	googleMaybe
)

// googleFactor is one condition of an open firewall rule, with the attribute
// that decides it and words for a finding.
type googleFactor struct {
	answer googleTri
	path   string
	words  string // why the rule is not open (answer no) or what is open (yes)
}

func (GoogleFirewallOpenAdminPorts) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	ports := c.Strings("ports")
	expected := "no ingress from 0.0.0.0/0 or ::/0 to ports " + strings.Join(ports, ", ")
	factors := []googleFactor{
		googleFirewallEnabled(r),
		googleFirewallIngress(r),
		googleFirewallOpenPorts(r, ports),
		googleFirewallOpenSource(r),
	}
	for _, f := range factors {
		if f.answer == googleNo {
			return []evaluator.Finding{c.Pass(r, f.path, f.words)}
		}
	}
	for _, f := range factors {
		if f.answer == googleMaybe {
			return []evaluator.Finding{c.Unknown(r, f.path, expected)}
		}
	}
	open, source := factors[2].words, factors[3].words
	return []evaluator.Finding{c.Fail(r, "allow",
		fmt.Sprintf("ingress from %s is allowed to %s", source, open), expected, open+" from "+source)}
}

func googleFirewallEnabled(r *tfplan.Resource) googleFactor {
	e := evaluator.EffectiveAfter(r, "disabled", false)
	if !e.Known() {
		return googleFactor{answer: googleMaybe, path: "disabled"}
	}
	if b, ok := e.Raw.(bool); ok && b {
		return googleFactor{answer: googleNo, path: "disabled", words: "the firewall rule is disabled"}
	}
	return googleFactor{answer: googleYes, path: "disabled"}
}

func googleFirewallIngress(r *tfplan.Resource) googleFactor {
	e := evaluator.EffectiveAfter(r, "direction", "INGRESS")
	if !e.Known() {
		return googleFactor{answer: googleMaybe, path: "direction"}
	}
	if s, _ := e.Raw.(string); !strings.EqualFold(s, "INGRESS") {
		return googleFactor{answer: googleNo, path: "direction", words: "direction is " + e.Display() + ", not ingress"}
	}
	return googleFactor{answer: googleYes, path: "direction"}
}

// googleFirewallOpenSource answers whether the rule admits every address. Its
// words, when yes, name the open source.
func googleFirewallOpenSource(r *tfplan.Resource) googleFactor {
	ranges := r.After("source_ranges")
	if ranges.State == tfplan.Unknown && r.Configured("source_ranges") != tfplan.ConfigNotSet {
		return googleFactor{answer: googleMaybe, path: "source_ranges"}
	}
	list, _ := ranges.List()
	open, unknownAt := internetEntries(r, "source_ranges", "", len(list))
	switch {
	case len(open) > 0:
		words := make([]string, len(open))
		for i, v := range open {
			words[i], _ = v.Str()
		}
		return googleFactor{answer: googleYes, path: "source_ranges", words: strings.Join(words, ", ")}
	case unknownAt != "":
		return googleFactor{answer: googleMaybe, path: unknownAt}
	case len(list) > 0:
		return googleFactor{answer: googleNo, path: "source_ranges", words: "source_ranges has no entry ending in /0"}
	}
	// No source ranges: tags or service accounts limit the source; with neither,
	// the API applies 0.0.0.0/0.
	for _, attr := range []string{"source_tags", "source_service_accounts"} {
		v := r.After(attr)
		if v.State == tfplan.Unknown && r.Configured(attr) != tfplan.ConfigNotSet {
			return googleFactor{answer: googleMaybe, path: attr}
		}
		if l, ok := v.List(); ok && len(l) > 0 {
			return googleFactor{answer: googleNo, path: attr, words: "sources are limited to " + attr + " and no source_ranges are set"}
		}
	}
	return googleFactor{answer: googleYes, path: "source_ranges",
		words: "0.0.0.0/0 (no source_ranges, source_tags or source_service_accounts: the Google Cloud default)"}
}

// googleFirewallOpenPorts answers whether an allow block covers a listed port.
// Its words, when yes, list what is open as protocol/port ("tcp/22, all/3389").
func googleFirewallOpenPorts(r *tfplan.Resource, ports []string) googleFactor {
	allow := r.After("allow")
	if allow.State == tfplan.Unknown {
		return googleFactor{answer: googleMaybe, path: "allow"}
	}
	blocks, _ := allow.List()
	var wanted []int
	for _, p := range ports {
		if n, err := strconv.Atoi(strings.TrimSpace(p)); err == nil {
			wanted = append(wanted, n)
		}
	}
	sort.Ints(wanted)
	var open []string
	unknownAt := ""
	for i := range blocks {
		protoPath := fmt.Sprintf("allow.%d.protocol", i)
		proto := r.After(protoPath)
		if proto.State == tfplan.Unknown {
			if unknownAt == "" {
				unknownAt = protoPath
			}
			continue
		}
		name, _ := proto.Str()
		if !googlePortProtocol(name) {
			continue
		}
		portsPath := fmt.Sprintf("allow.%d.ports", i)
		pv := r.After(portsPath)
		if pv.State == tfplan.Unknown {
			if unknownAt == "" {
				unknownAt = portsPath
			}
			continue
		}
		specs, _ := pv.List()
		for _, port := range wanted {
			covered, maybe := googlePortsCover(r, portsPath, specs, port)
			switch {
			case covered:
				open = append(open, fmt.Sprintf("%s/%d", strings.ToLower(name), port))
			case maybe != "" && unknownAt == "":
				unknownAt = maybe
			}
		}
	}
	switch {
	case len(open) > 0:
		return googleFactor{answer: googleYes, path: "allow", words: strings.Join(open, ", ")}
	case unknownAt != "":
		return googleFactor{answer: googleMaybe, path: unknownAt}
	}
	return googleFactor{answer: googleNo, path: "allow", words: "no allow block covers ports " + strings.Join(ports, ", ")}
}

// googlePortProtocol reports whether a protocol carries ports (or is "all").
func googlePortProtocol(name string) bool {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "tcp", "udp", "sctp", "all", "6", "17", "132":
		return true
	}
	return false
}

// googlePortsCover reports whether the port specs cover port. An empty list
// covers every port; maybe names an entry known only after apply.
func googlePortsCover(r *tfplan.Resource, portsPath string, specs []any, port int) (covered bool, maybe string) {
	if len(specs) == 0 {
		return true, ""
	}
	for i := range specs {
		path := fmt.Sprintf("%s.%d", portsPath, i)
		v := r.After(path)
		if v.State == tfplan.Unknown {
			if maybe == "" {
				maybe = path
			}
			continue
		}
		s, ok := v.Str()
		if !ok {
			if n, isNum := v.Int(); isNum && int(n) == port {
				return true, ""
			}
			continue
		}
		lo, hi, ok := googlePortRange(s)
		if !ok || (lo <= port && port <= hi) {
			return true, ""
		}
	}
	return false, maybe
}

// googlePortRange reads "22" or "1000-2000".
func googlePortRange(spec string) (lo, hi int, ok bool) {
	if strings.TrimSpace(spec) == "*" {
		return 0, 0, false // Google firewall ports have no "*" form
	}
	span, ok := parsePortSpan(spec)
	return int(span.from), int(span.to), ok
}
