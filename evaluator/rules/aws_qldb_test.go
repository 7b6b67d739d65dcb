package rules

import "testing"

func TestQLDBDeletionProtection(t *testing.T) {
	// The provider protects ledgers by default, so an unset attribute passes.
	runRuleCases(t, QLDBDeletionProtection{},
		awsBoolCases("aws-qldb-deletion-protection", "aws_qldb_ledger", "deletion_protection", true, true, nil))
}
