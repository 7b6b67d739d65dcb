package evaluator

import "testing"

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true},
		{"*", "anything.at[all]", true},
		{"prod-*", "prod-eu", true},
		{"prod-*", "staging-prod-eu", false},
		{"*-prod", "payments-prod", true},
		{"*-prod", "payments-prod-2", false},
		{`aws_s3_bucket.b["x"]`, `aws_s3_bucket.b["x"]`, true},
		{`aws_s3_bucket.b["x"]`, `aws_s3_bucket.b["y"]`, false},
		{"module.db.*", `module.db.aws_db_instance.main[0]`, true},
		{"module.*.aws_db_instance.*", `module.legacy["eu"].aws_db_instance.main`, true},
		{"envs/prod/*", "envs/prod/eu/west", true},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"", "", true},
		{"", "x", false},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "axxbyy", false},
	}
	for _, tc := range tests {
		if got := globMatch(tc.pattern, tc.s); got != tc.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}
