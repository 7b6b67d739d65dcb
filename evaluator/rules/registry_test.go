package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prodgate/prodgate/evaluator"
)

// TestEveryRuleIsComplete keeps the standard honest: a rule without doc text,
// an example, a reference list entry point or a table test does not ship.
func TestEveryRuleIsComplete(t *testing.T) {
	reg := Registry()
	tests := readTestSources(t)
	for _, rule := range reg.Rules() {
		m := rule.Meta()
		t.Run(m.ID, func(t *testing.T) {
			for field, text := range map[string]string{
				"Title": m.Title, "Category": m.Category, "Provider": m.Provider,
				"Doc.Summary": m.Doc.Summary, "Doc.Pass": m.Doc.Pass, "Doc.Fail": m.Doc.Fail,
				"Doc.Unknown": m.Doc.Unknown, "Doc.Remediation": m.Doc.Remediation, "Doc.Example": m.Doc.Example,
			} {
				if strings.TrimSpace(text) == "" {
					t.Errorf("%s is empty", field)
				}
			}
			if !strings.Contains(tests, `"`+m.ID+`"`) {
				t.Errorf("no table test mentions %q", m.ID)
			}
			for _, p := range m.Params {
				if p.Source == "" || p.Doc == "" {
					t.Errorf("param %s needs Doc and the Source of its default", p.Name)
				}
				if !defaultMatchesKind(p) {
					t.Errorf("param %s: default %#v is not a %s", p.Name, p.Default, p.Kind)
				}
			}
		})
	}
}

func defaultMatchesKind(p evaluator.ParamSpec) bool {
	switch p.Kind {
	case evaluator.ParamInt:
		_, ok := p.Default.(int64)
		return ok
	case evaluator.ParamBool:
		_, ok := p.Default.(bool)
		return ok
	case evaluator.ParamString:
		_, ok := p.Default.(string)
		return ok
	case evaluator.ParamStringList:
		_, ok := p.Default.([]string)
		return ok
	}
	return false
}

func readTestSources(t *testing.T) string {
	t.Helper()
	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, f := range files {
		if f == "registry_test.go" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(data)
	}
	return b.String()
}

// blockingCore is the built-in standard's blocking core, exactly: deletion
// protection of data stores (Azure locks included), automated backups and
// their retention, point-in-time recovery, final snapshots, object
// versioning and soft delete, storage encryption at rest, admin and database
// ports open to the internet, destroy or replace of stateful resources, and
// protection switched off or lowered below the standard in the plan. Every
// other rule is advisory by default. docs/standard.md lists both, with why.
var blockingCore = []string{
	"aws-docdb-backup-retention", "aws-docdb-deletion-protection", "aws-docdb-storage-encrypted",
	"aws-dynamodb-deletion-protection", "aws-dynamodb-pitr",
	"aws-ebs-backup", "aws-ebs-encryption", "aws-efs-backup", "aws-efs-encryption",
	"aws-elasticache-at-rest-encryption", "aws-elasticache-backup-retention",
	"aws-neptune-backup-retention", "aws-neptune-deletion-protection", "aws-neptune-storage-encrypted",
	"aws-qldb-deletion-protection",
	"aws-rds-backup-retention", "aws-rds-deletion-protection", "aws-rds-final-snapshot", "aws-rds-storage-encrypted",
	"aws-redshift-encrypted", "aws-redshift-final-snapshot", "aws-redshift-snapshot-retention",
	"aws-s3-encryption", "aws-s3-versioning", "aws-security-group-open-admin-ports",
	"azure-db-backup-retention", "azure-delete-lock", "azure-key-vault-purge-protection", "azure-key-vault-soft-delete",
	"azure-mssql-short-term-retention", "azure-nsg-open-admin-ports", "azure-storage-blob-versioning", "azure-storage-soft-delete",
	"google-bigquery-table-deletion-protection", "google-bigtable-instance-deletion-protection",
	"google-bigtable-table-deletion-protection", "google-firestore-database-delete-protection",
	"google-firewall-open-admin-ports", "google-gke-deletion-protection", "google-spanner-database-deletion-protection",
	"google-sql-authorized-networks-open", "google-sql-backup-enabled", "google-sql-deletion-protection",
	"google-sql-pitr", "google-sql-retained-backups", "google-storage-no-force-destroy", "google-storage-versioning",
	"lifecycle-protection-lowered", "lifecycle-stateful-destroy",
}

// TestDefaultEnforcement holds every rule to the blocking core above: a rule
// that becomes blocking (or stops being) by accident changes which plans
// teams can apply.
func TestDefaultEnforcement(t *testing.T) {
	core := map[string]bool{}
	for _, id := range blockingCore {
		core[id] = true
	}
	reg := Registry()
	for _, id := range blockingCore {
		if _, ok := reg.Lookup(id); !ok {
			t.Errorf("blocking core names %s, which is not a rule", id)
		}
	}
	for _, rule := range reg.Rules() {
		m := rule.Meta()
		want := evaluator.EnforceAdvisory
		if core[m.ID] {
			want = evaluator.EnforceBlocking
		}
		if m.Enforcement != want {
			t.Errorf("%s: enforcement %s, want %s", m.ID, m.Enforcement, want)
		}
	}
}
