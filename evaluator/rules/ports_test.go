package rules

import "testing"

func TestParsePortSpan(t *testing.T) {
	tests := []struct {
		spec   string
		want   portSpan
		wantOK bool
	}{
		{"22", portSpan{22, 22}, true},
		{" 1000 - 2000 ", portSpan{1000, 2000}, true},
		{"*", allPorts, true},
		{"0-65535", allPorts, true},
		{"2000-1000", portSpan{}, false},
		{"65536", portSpan{}, false},
		{"-1", portSpan{}, false},
		{"ssh", portSpan{}, false},
		{"", portSpan{}, false},
	}
	for _, tc := range tests {
		got, ok := parsePortSpan(tc.spec)
		if got != tc.want || ok != tc.wantOK {
			t.Errorf("parsePortSpan(%q) = %v %v, want %v %v", tc.spec, got, ok, tc.want, tc.wantOK)
		}
	}
	if !(portSpan{20, 30}).covers(22) || (portSpan{20, 30}).covers(31) {
		t.Error("covers is wrong at the edges")
	}
}
