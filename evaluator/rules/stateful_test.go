package rules

import (
	"strings"
	"testing"
)

// TestStatefulList keeps the curated list to data-holding types: no
// configuration-only types of the same services, and the examples the
// lifecycle rules are documented with are present.
func TestStatefulList(t *testing.T) {
	for _, typ := range statefulTypeNames() {
		for _, suffix := range []string{"_parameter_group", "_subnet_group", "_option_group", "_policy", "_attachment"} {
			if strings.HasSuffix(typ, suffix) {
				t.Errorf("%s looks configuration-only (%s) and should not be in statefulTypes", typ, suffix)
			}
		}
	}
	for _, typ := range []string{"aws_db_instance", "aws_s3_bucket", "aws_kms_key", "google_sql_database_instance", "azurerm_key_vault"} {
		if !isStateful(typ) {
			t.Errorf("%s is missing from statefulTypes", typ)
		}
	}
	for _, typ := range []string{"aws_rds_cluster_instance", "aws_security_group", "aws_db_parameter_group"} {
		if isStateful(typ) {
			t.Errorf("%s should not be in statefulTypes", typ)
		}
	}
	sel := statefulFromParams([]string{" aws_fsx_*", "custom_db"}, []string{"aws_sqs_queue"})
	for typ, want := range map[string]bool{"custom_db": true, "aws_fsx_backup": true, "aws_sqs_queue": false, "aws_iam_role": false, "aws_db_instance": true} {
		if got := sel.includes(typ); got != want {
			t.Errorf("includes(%s) = %v, want %v", typ, got, want)
		}
	}
}

// TestProtectedTable checks each entry is well formed: the default's Go type
// matches the kind, and only string kinds list protective values.
func TestProtectedTable(t *testing.T) {
	for _, typ := range protectedTypeNames() {
		seen := map[string]bool{}
		for _, a := range protectedAttrs[typ] {
			where := typ + "." + a.Path
			if a.Path == "" || a.Class == "" {
				t.Errorf("%s: Path and Class are required", where)
			}
			if seen[a.Path] {
				t.Errorf("%s listed twice", where)
			}
			seen[a.Path] = true
			if (a.Kind == protectWhenOneOf) != (len(a.Values) > 0) {
				t.Errorf("%s: Values are for string kinds only, and required there", where)
			}
			if a.Default == nil {
				continue
			}
			ok := false
			switch a.Kind {
			case protectWhenTrue, protectWhenFalse:
				_, ok = a.Default.(bool)
			case protectWhenHigher:
				_, ok = a.Default.(int64)
			case protectWhenOneOf:
				_, ok = a.Default.(string)
			}
			if !ok {
				t.Errorf("%s: default %#v does not match its kind", where, a.Default)
			}
		}
	}
}
