package rules

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// portSpan is an inclusive range of TCP/UDP ports. The security-group,
// firewall and NSG rules of every provider read port settings through it.
type portSpan struct{ from, to int64 }

// allPorts is what "*" and missing port lists mean.
var allPorts = portSpan{0, 65535}

// parsePortSpan reads "22", "1000-2000" or "*" (every port).
func parsePortSpan(spec string) (portSpan, bool) {
	spec = strings.TrimSpace(spec)
	if spec == "*" {
		return allPorts, true
	}
	low, high, isRange := strings.Cut(spec, "-")
	if !isRange {
		high = low
	}
	from, err1 := strconv.ParseInt(strings.TrimSpace(low), 10, 64)
	to, err2 := strconv.ParseInt(strings.TrimSpace(high), 10, 64)
	if err1 != nil || err2 != nil || from < 0 || to > 65535 || from > to {
		return portSpan{}, false
	}
	return portSpan{from, to}, true
}

// covers reports whether port is in the span.
func (p portSpan) covers(port int64) bool { return p.from <= port && port <= p.to }

func (p portSpan) String() string {
	if p.from == p.to {
		return strconv.FormatInt(p.from, 10)
	}
	return strconv.FormatInt(p.from, 10) + "-" + strconv.FormatInt(p.to, 10)
}

// internetPrefix reports whether an address range is a /0 prefix: every IPv4
// (0.0.0.0/0) or IPv6 (::/0) address. The network rules of every provider
// judge ranges by it.
func internetPrefix(cidr string) bool {
	return strings.HasSuffix(strings.TrimSpace(cidr), "/0")
}

// internetEntries reads the n entries of the list at path (the entry itself,
// or its field when field is set: "value" for path.N.value) and returns those
// that are internet prefixes, and the path of the first entry known only
// after apply.
func internetEntries(r *tfplan.Resource, path, field string, n int) (open []tfplan.Value, unknownAt string) {
	for i := range n {
		at := fmt.Sprintf("%s.%d", path, i)
		if field != "" {
			at += "." + field
		}
		v := r.After(at)
		if v.State == tfplan.Unknown {
			if unknownAt == "" {
				unknownAt = at
			}
			continue
		}
		if s, ok := v.Str(); ok && internetPrefix(s) {
			open = append(open, v)
		}
	}
	return open, unknownAt
}
