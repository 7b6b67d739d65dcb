package rules

import (
	"strings"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// DynamoDBCustomerManagedKey requires tables to be encrypted with a customer
// managed KMS key. It is advisory: every table is encrypted at rest, with an
// AWS owned key by default; a customer managed key adds control over the key.
type DynamoDBCustomerManagedKey struct{}

func (DynamoDBCustomerManagedKey) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "aws-dynamodb-customer-managed-key",
		Title:         "DynamoDB tables are encrypted with a customer managed KMS key",
		Severity:      evaluator.SeverityMedium,
		Category:      "encryption",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceAdvisory,
		ResourceTypes: []string{"aws_dynamodb_table"},
		References:    []string{"CKV_AWS_119", "AVD-AWS-0025"},
		Doc: evaluator.RuleDoc{
			Summary: "Advisory by default, because every DynamoDB table is already encrypted at rest " +
				"(with an AWS owned key when server_side_encryption is not enabled, with the AWS managed key " +
				"aws/dynamodb when it is enabled without kms_key_arn). Promote it (`enforce: blocking`) where the key itself must be controlled: " +
				"key policy, CloudTrail records of every use, rotation and the ability to revoke access by disabling the " +
				"key. There is no FSBP control for it. Replica keys of global tables (replica blocks) are not judged. Not " +
				"judged (no finding): destroyed or forgotten tables (the lifecycle rules cover them).",
			Pass: "aws_dynamodb_table that will exist after apply (create, update, no-op, replace) with " +
				"server_side_encryption.enabled = true and a server_side_encryption.kms_key_arn written in the configuration " +
				"whose planned value is known, non-empty and not the AWS managed alias (…:alias/aws/dynamodb). When the plan " +
				"has no configuration section, a known non-empty kms_key_arn that is not that alias passes.",
			Fail: "no server_side_encryption block, or enabled = false or not set (AWS owned key; reported on " +
				"server_side_encryption.enabled); or enabled = true with kms_key_arn not written in the configuration, not " +
				"set, empty or the alias/aws/dynamodb ARN (AWS managed key; reported on server_side_encryption.kms_key_arn). " +
				"A kms_key_arn the provider fills in after apply without the configuration writing it is the AWS managed key.",
			Unknown: "server_side_encryption.enabled is known only after apply because the configuration sets it from a " +
				"value not yet known; or enabled is true and the configured kms_key_arn is known only after apply (for " +
				"example the ARN of an aws_kms_key created in the same plan).",
			Remediation: "Add `server_side_encryption { enabled = true, kms_key_arn = aws_kms_key.<name>.arn }` with a " +
				"customer managed key.",
			Example: "resource \"aws_dynamodb_table\" \"orders\" {\n  server_side_encryption {\n    enabled     = true\n" +
				"    kms_key_arn = aws_kms_key.orders.arn\n  }\n}",
		},
	}
}

func (DynamoDBCustomerManagedKey) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	const enabledAttr, keyAttr = "server_side_encryption.enabled", "server_side_encryption.kms_key_arn"
	const expectedKey = "a customer managed KMS key ARN"
	en := evaluator.EffectiveAfter(r, enabledAttr, false)
	if !en.Known() {
		return []evaluator.Finding{c.Unknown(r, enabledAttr, "true")}
	}
	enabled, ok := en.Value.Bool()
	if en.Defaulted {
		enabled, ok = false, true
	}
	if !ok || !enabled {
		return []evaluator.Finding{c.Fail(r, enabledAttr,
			"server_side_encryption.enabled is "+en.Display()+": the table is encrypted with an AWS owned key",
			"true", en.Display())}
	}
	const managed = "not set (AWS managed key aws/dynamodb)"
	if r.Configured(keyAttr) == tfplan.ConfigNotSet {
		return []evaluator.Finding{c.Fail(r, keyAttr,
			"server_side_encryption.kms_key_arn is not written in the configuration: the table uses the AWS managed key aws/dynamodb",
			expectedKey, managed)}
	}
	key := r.After(keyAttr)
	switch key.State {
	case tfplan.Unknown:
		return []evaluator.Finding{c.Unknown(r, keyAttr, expectedKey)}
	case tfplan.NotSet:
		return []evaluator.Finding{c.Fail(r, keyAttr,
			"server_side_encryption.kms_key_arn is not set: the table uses the AWS managed key aws/dynamodb", expectedKey, managed)}
	}
	arn, _ := key.Str()
	switch {
	case arn == "":
		return []evaluator.Finding{c.Fail(r, keyAttr,
			"server_side_encryption.kms_key_arn is "+key.Display()+": the table uses the AWS managed key aws/dynamodb",
			expectedKey, key.Display())}
	case strings.HasSuffix(arn, "alias/aws/dynamodb"):
		return []evaluator.Finding{c.Fail(r, keyAttr,
			"server_side_encryption.kms_key_arn names the AWS managed key aws/dynamodb", expectedKey, key.Display())}
	}
	return []evaluator.Finding{c.Pass(r, keyAttr, "server_side_encryption uses the KMS key "+key.Display())}
}
