package rules

import (
	"fmt"
	"strings"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// S3Versioning requires object versioning on buckets, set either by the
// legacy inline versioning block or by an aws_s3_bucket_versioning resource.
type S3Versioning struct{}

func (S3Versioning) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "aws-s3-versioning",
		Title:         "S3 buckets have versioning enabled",
		Severity:      evaluator.SeverityMedium,
		Category:      "backup",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: []string{"aws_s3_bucket"},
		References:    []string{"CKV_AWS_21", "AVD-AWS-0090", "AWS FSBP S3.14"},
		Doc: evaluator.RuleDoc{
			Summary: "Without versioning an overwrite or delete destroys the object for good; with it, earlier versions " +
				"can be restored. Findings are reported on the aws_s3_bucket. " + s3DocTargets + " A destroyed " +
				"aws_s3_bucket_versioning targets the bucket by its `bucket` value before the plan (or the same " +
				"reference). Not judged (no finding): destroyed or forgotten buckets (the lifecycle rules cover them).",
			Pass: "aws_s3_bucket that will exist after apply (create, update, no-op, replace), and: every " +
				"aws_s3_bucket_versioning that targets it (in the plan or only in prior_state) sets " +
				"versioning_configuration.status = \"Enabled\" (at least one such resource); or, when no such resource " +
				"targets it, the legacy inline block has versioning.enabled = true.",
			Fail: "A targeting aws_s3_bucket_versioning sets versioning_configuration.status to anything other than " +
				"\"Enabled\" (\"Suspended\", \"Disabled\"), or is destroyed by this plan (destroying it suspends " +
				"versioning; this counts even if another targeting resource enables it, because the order of the two " +
				"is not fixed); or no targeting resource exists and versioning.enabled is false or not set (the AWS " +
				"default is unversioned). A versioning resource whose bucket name is unknown and that does not " +
				"reference the bucket does not count.",
			Unknown: "No targeting resource fails, and either a targeting aws_s3_bucket_versioning has " +
				"versioning_configuration.status known only after apply, or no targeting resource exists and " +
				"versioning.enabled is known only after apply while the configuration writes the versioning block " +
				"(or the plan has no configuration section).",
			Remediation: "Add an `aws_s3_bucket_versioning` resource with `bucket = aws_s3_bucket.<name>.id` and " +
				"`versioning_configuration { status = \"Enabled\" }` (AWS provider v4+), or `versioning { enabled = true }` " +
				"on the bucket with provider v3.",
			Example: "resource \"aws_s3_bucket\" \"data\" {\n  bucket = \"example-data\"\n}\n\n" +
				"resource \"aws_s3_bucket_versioning\" \"data\" {\n  bucket = aws_s3_bucket.data.id\n  versioning_configuration {\n    status = \"Enabled\"\n  }\n}",
		},
	}
}

func (S3Versioning) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	const attr = "versioning"
	const expected = `"Enabled"`
	var enabled, unknownBy string
	for _, v := range s3Targeting(c.Plan, "aws_s3_bucket_versioning", r) {
		status := v.After("versioning_configuration.status")
		if s, ok := status.Str(); ok && s == "Enabled" {
			enabled = v.Address
			continue
		}
		if status.State == tfplan.Unknown {
			unknownBy = v.Address
			continue
		}
		return []evaluator.Finding{c.Fail(r, attr,
			fmt.Sprintf("%s sets versioning_configuration.status to %s", v.Address, status.Display()),
			expected, status.Display())}
	}
	for _, v := range s3Destroyed(c.Plan, "aws_s3_bucket_versioning", r) {
		return []evaluator.Finding{c.Fail(r, attr,
			fmt.Sprintf("%s is destroyed, which suspends versioning on the bucket", v.Address),
			expected, `"Suspended"`)}
	}
	switch {
	case unknownBy != "":
		return []evaluator.Finding{s3UnknownBy(c, r, attr, unknownBy, "versioning_configuration.status", expected)}
	case enabled != "":
		return []evaluator.Finding{c.Pass(r, attr, enabled+` sets versioning_configuration.status to "Enabled"`)}
	}
	inline := evaluator.EffectiveAfter(r, "versioning.enabled", false)
	if !inline.Known() {
		return []evaluator.Finding{c.Unknown(r, "versioning.enabled", "true")}
	}
	if b, ok := inline.Value.Bool(); ok && b && !inline.Defaulted {
		return []evaluator.Finding{c.Pass(r, "versioning.enabled", "versioning.enabled is true")}
	}
	return []evaluator.Finding{c.Fail(r, attr,
		"no aws_s3_bucket_versioning in the plan enables versioning on this bucket, and versioning.enabled is "+inline.Display(),
		expected, inline.Display())}
}

// s3DocTargets is how every S3 rule matches a bucket's separate
// configuration resources; keep it in step with s3Targeting.
const s3DocTargets = "A separate configuration resource targets a bucket when it exists after apply, either in the " +
	"plan (create, update, no-op, replace) or only in prior_state (a targeted plan leaves it out of resource_changes), " +
	"and its `bucket` is known and equal to the bucket's known `bucket` or `id`, or, when a name is not known, its " +
	"`bucket` expression references the bucket resource in the same module instance."

// s3Targeting returns the resources of typ that exist after this plan (planned
// or only in prior_state) and point at bucket through their bucket attribute.
func s3Targeting(plan *tfplan.Plan, typ string, bucket *tfplan.Resource) []*tfplan.Resource {
	return plan.Pointing(typ, "bucket", bucket, "bucket", "id")
}

// s3Destroyed returns the resources of typ that this plan destroys (not
// forgets, not replaces) and that pointed at bucket, by their last bucket value.
func s3Destroyed(plan *tfplan.Plan, typ string, bucket *tfplan.Resource) []*tfplan.Resource {
	var out []*tfplan.Resource
	for _, x := range plan.PointingAny(typ, "bucket", bucket, "bucket", "id") {
		if !x.Exists() && x.Deletes() && !x.Forgets() && x.Deposed == "" {
			out = append(out, x)
		}
	}
	return out
}

// s3UnknownBy reports that another resource sets path from a value known
// only after apply.
func s3UnknownBy(c *evaluator.Context, r *tfplan.Resource, attr, by, path, expected string) evaluator.Finding {
	return c.UnknownBecause(r, attr, by+" sets "+path+" from a value known only after apply, so the plan cannot show it meets the standard", expected)
}

// s3PublicAccessFlags are the four settings of a public access block.
var s3PublicAccessFlags = []string{"block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"}

// s3PublicAccessOff lists the flags of a public access block (bucket or
// account level) that are not true, as "flag = value", and the first flag
// known only after apply. Each flag defaults to false in the provider.
func s3PublicAccessOff(x *tfplan.Resource) (off []string, unknownFlag string) {
	for _, flag := range s3PublicAccessFlags {
		e := evaluator.EffectiveAfter(x, flag, false)
		if !e.Known() {
			if unknownFlag == "" {
				unknownFlag = flag
			}
			continue
		}
		if b, ok := e.Bool(); !ok || !b {
			off = append(off, flag+" = "+e.Display())
		}
	}
	return off, unknownFlag
}

// S3PublicAccessBlock requires a bucket-level public access block with all
// four settings on (or the account-level block with all four on).
type S3PublicAccessBlock struct{}

func (S3PublicAccessBlock) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "aws-s3-public-access-block",
		Title:         "S3 buckets block public access",
		Severity:      evaluator.SeverityHigh,
		Category:      "exposure",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceAdvisory,
		ResourceTypes: []string{"aws_s3_bucket"},
		References:    []string{"CKV2_AWS_6", "CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56", "AVD-AWS-0094", "AVD-AWS-0086"},
		Doc: evaluator.RuleDoc{
			Summary: "A public access block is the guard that stops a later ACL or bucket policy from publishing the data; " +
				"all four settings are needed (block_public_acls and ignore_public_acls for ACLs, block_public_policy and " +
				"restrict_public_buckets for policies). New buckets have it on by default since April 2023, but the " +
				"setting lives in a separate resource (aws_s3_bucket_public_access_block) that the configuration must " +
				"own to keep it. Findings are reported on the aws_s3_bucket. " + s3DocTargets + " A destroyed block " +
				"targets the bucket by its `bucket` value before the plan. An aws_s3_account_public_access_block that " +
				"exists after apply with all four settings true also satisfies the rule; prodgate assumes it is for the " +
				"bucket's account. Not judged (no finding): destroyed or forgotten buckets (the lifecycle rules cover them).",
			Pass: "aws_s3_bucket that will exist after apply (create, update, no-op, replace), and every " +
				"aws_s3_bucket_public_access_block targeting it (at least one) sets block_public_acls, block_public_policy, " +
				"ignore_public_acls and restrict_public_buckets = true, none is destroyed by this plan; or, failing that, an " +
				"aws_s3_account_public_access_block (in the plan or only in prior_state) sets all four = true.",
			Fail: "Without such an account-level block: a targeting block sets any of the four to false or leaves it not set " +
				"(provider default false); or a targeting block is destroyed by this plan (that removes the block, even if " +
				"another targeting resource creates one, because the order of the two is not fixed); or no block targets the bucket.",
			Unknown: "Not passed and not failed as above, because one of the four flags of a targeting block, or of an " +
				"account-level block that would otherwise decide, is known only after apply.",
			Remediation: "Add an `aws_s3_bucket_public_access_block` with `bucket = aws_s3_bucket.<name>.id` and all four " +
				"settings `true` (or an `aws_s3_account_public_access_block` for the whole account).",
			Example: "resource \"aws_s3_bucket_public_access_block\" \"data\" {\n  bucket                  = aws_s3_bucket.data.id\n" +
				"  block_public_acls       = true\n  block_public_policy     = true\n  ignore_public_acls      = true\n" +
				"  restrict_public_buckets = true\n}",
		},
	}
}

func (S3PublicAccessBlock) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	const attr = "public_access_block"
	const expected = "block_public_acls, block_public_policy, ignore_public_acls and restrict_public_buckets = true"
	const typ = "aws_s3_bucket_public_access_block"
	var failure *evaluator.Finding
	var unknownBy, unknownFlag, passBy string
	for _, b := range s3Targeting(c.Plan, typ, r) {
		off, unk := s3PublicAccessOff(b)
		switch {
		case len(off) > 0:
			f := c.Fail(r, attr, b.Address+" sets "+strings.Join(off, ", "), expected, strings.Join(off, ", "))
			failure = &f
		case unk != "":
			unknownBy, unknownFlag = b.Address, unk
		case passBy == "":
			passBy = b.Address
		}
		if failure != nil {
			break
		}
	}
	if failure == nil {
		for _, b := range s3Destroyed(c.Plan, typ, r) {
			f := c.Fail(r, attr, b.Address+" is destroyed, which removes the bucket's public access block", expected, "removed")
			failure = &f
			break
		}
	}
	if failure == nil && unknownBy == "" && passBy != "" {
		return []evaluator.Finding{c.Pass(r, attr, passBy+" sets all four settings to true")}
	}
	if failure == nil && passBy == "" && unknownBy == "" {
		f := c.Fail(r, attr, "no aws_s3_bucket_public_access_block in the plan targets this bucket", expected, "none")
		failure = &f
	}
	for _, a := range c.Plan.Existing("aws_s3_account_public_access_block") {
		off, unk := s3PublicAccessOff(a)
		switch {
		case len(off) > 0:
		case unk != "":
			if unknownBy == "" {
				unknownBy, unknownFlag = a.Address, unk
			}
		default:
			return []evaluator.Finding{c.Pass(r, attr, a.Address+" sets all four settings to true for the whole account")}
		}
	}
	if unknownBy != "" {
		return []evaluator.Finding{s3UnknownBy(c, r, attr, unknownBy, unknownFlag, expected)}
	}
	return []evaluator.Finding{*failure}
}

// S3Encryption reports how a bucket encrypts objects at rest and, with
// require_kms, requires SSE-KMS.
type S3Encryption struct{}

// s3SSEPath is the algorithm inside a server-side encryption rule, on the
// separate resource; the legacy inline block nests it under
// server_side_encryption_configuration.
const s3SSEPath = "rule.apply_server_side_encryption_by_default.sse_algorithm"

func (S3Encryption) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "aws-s3-encryption",
		Title:         "S3 buckets encrypt objects at rest",
		Severity:      evaluator.SeverityHigh,
		Category:      "encryption",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: []string{"aws_s3_bucket"},
		Params: []evaluator.ParamSpec{{
			Name:    "require_kms",
			Kind:    evaluator.ParamBool,
			Default: false,
			Source: "false: since 5 January 2023 S3 encrypts every new object with SSE-S3 (AES256) when no other " +
				"default is set, and this cannot be turned off (AWS S3 User Guide, default bucket encryption), so an " +
				"unconfigured bucket is encrypted; Checkov CKV_AWS_19 likewise passes it. Set true to require KMS keys, " +
				"as Checkov CKV_AWS_145 does",
			Doc: "Require sse_algorithm \"aws:kms\" or \"aws:kms:dsse\" (keys you control, CloudTrail-logged use) instead of accepting SSE-S3.",
		}},
		References: []string{"CKV_AWS_19", "CKV_AWS_145", "AVD-AWS-0088"},
		Doc: evaluator.RuleDoc{
			Summary: "Decision: a bucket with no encryption configuration passes by default, with a message saying it relies " +
				"on S3's own default (SSE-S3, AES256, applied to all new objects since January 2023 and impossible to turn " +
				"off), because failing it would report a bucket that is in fact encrypted; teams that need keys they control " +
				"set require_kms = true. The rule is not optional, so every bucket's effective encryption shows in the " +
				"report. The algorithm comes from the aws_s3_bucket_server_side_encryption_configuration resources that " +
				"target the bucket (" + s3DocTargets + ") or, when none does, from the bucket's legacy inline " +
				"server_side_encryption_configuration block. Objects written before 2023 in an old bucket without " +
				"default encryption may still be unencrypted; the plan cannot show them. Not judged (no finding): " +
				"destroyed or forgotten buckets (the lifecycle rules cover them).",
			Pass: "aws_s3_bucket that will exist after apply (create, update, no-op, replace), when require_kms is false " +
				"(default): always, naming the effective algorithm (\"AES256\", \"aws:kms\", \"aws:kms:dsse\", not set = the " +
				"S3 default \"AES256\", or known only after apply, which is still encryption). When require_kms is true: " +
				"every targeting aws_s3_bucket_server_side_encryption_configuration (at least one) sets " +
				"rule.apply_server_side_encryption_by_default.sse_algorithm to \"aws:kms\" or \"aws:kms:dsse\" and none is " +
				"destroyed by this plan; or, with no targeting resource, the inline " +
				"server_side_encryption_configuration.rule.apply_server_side_encryption_by_default.sse_algorithm is one of them.",
			Fail: "Only when require_kms is true: a targeting resource, or with none the inline block, sets \"AES256\" or " +
				"another non-KMS algorithm, or leaves it not set (S3 default \"AES256\"); or a targeting resource is destroyed " +
				"by this plan (the bucket falls back to SSE-S3).",
			Unknown: "Only when require_kms is true and nothing fails: the algorithm of a targeting resource is known only " +
				"after apply, or, with no targeting resource, the inline algorithm is known only after apply while the " +
				"configuration writes server_side_encryption_configuration (or the plan has no configuration section).",
			Remediation: "Add an `aws_s3_bucket_server_side_encryption_configuration` with `sse_algorithm = \"aws:kms\"` and " +
				"`kms_master_key_id` (and `bucket_key_enabled = true` to cut KMS costs).",
			Example: "resource \"aws_s3_bucket_server_side_encryption_configuration\" \"data\" {\n  bucket = aws_s3_bucket.data.id\n" +
				"  rule {\n    apply_server_side_encryption_by_default {\n      sse_algorithm     = \"aws:kms\"\n" +
				"      kms_master_key_id = aws_kms_key.s3.arn\n    }\n    bucket_key_enabled = true\n  }\n}",
		},
	}
}

func s3KMSAlgorithm(a string) bool { return a == "aws:kms" || a == "aws:kms:dsse" }

func (S3Encryption) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	const attr = "server_side_encryption_configuration"
	kms := c.Bool("require_kms")
	expected := "server-side encryption (the S3 default SSE-S3 counts)"
	if kms {
		expected = `sse_algorithm "aws:kms" or "aws:kms:dsse"`
	}
	const sseS3Note = "S3 encrypts new objects with SSE-S3 (AES256) by default since January 2023"
	var okBy, unknownBy string
	for _, x := range s3Targeting(c.Plan, "aws_s3_bucket_server_side_encryption_configuration", r) {
		v := x.After(s3SSEPath)
		a, known := v.Str()
		switch {
		case v.State == tfplan.Unknown:
			if kms {
				unknownBy = x.Address
			} else if okBy == "" {
				okBy = x.Address + " sets sse_algorithm from a value known only after apply; every S3 algorithm encrypts"
			}
		case kms && !(known && s3KMSAlgorithm(a)):
			return []evaluator.Finding{c.Fail(r, attr, x.Address+" sets sse_algorithm to "+s3AlgorithmDisplay(v), expected, s3AlgorithmDisplay(v))}
		case okBy == "":
			okBy = x.Address + " sets sse_algorithm to " + s3AlgorithmDisplay(v)
		}
	}
	for _, x := range s3Destroyed(c.Plan, "aws_s3_bucket_server_side_encryption_configuration", r) {
		if kms {
			return []evaluator.Finding{c.Fail(r, attr, x.Address+" is destroyed, so the bucket falls back to SSE-S3 (AES256)", expected, `"AES256"`)}
		}
		if okBy == "" {
			okBy = x.Address + " is destroyed; " + sseS3Note
		}
	}
	switch {
	case unknownBy != "":
		return []evaluator.Finding{s3UnknownBy(c, r, attr, unknownBy, "sse_algorithm", expected)}
	case okBy != "":
		return []evaluator.Finding{c.Pass(r, attr, okBy)}
	}
	const inlinePath = "server_side_encryption_configuration." + s3SSEPath
	e := evaluator.EffectiveAfter(r, inlinePath, "AES256")
	switch {
	case !e.Known():
		if kms {
			return []evaluator.Finding{c.Unknown(r, inlinePath, expected)}
		}
		return []evaluator.Finding{c.Pass(r, attr, inlinePath+" is known only after apply; every S3 algorithm encrypts")}
	case e.Defaulted:
		if kms {
			return []evaluator.Finding{c.Fail(r, attr, "no server-side encryption configuration targets this bucket, so it uses SSE-S3 (AES256)", expected, e.Display())}
		}
		return []evaluator.Finding{c.Pass(r, attr, "no server-side encryption configuration targets this bucket; "+sseS3Note)}
	}
	a, _ := e.Raw.(string)
	if kms && !s3KMSAlgorithm(a) {
		return []evaluator.Finding{c.Fail(r, attr, inlinePath+" is "+e.Display(), expected, e.Display())}
	}
	return []evaluator.Finding{c.Pass(r, attr, inlinePath+" is "+e.Display())}
}

func s3AlgorithmDisplay(v tfplan.Value) string {
	if v.State == tfplan.NotSet {
		return `not set (S3 default "AES256")`
	}
	return v.Display()
}

// S3MFADelete requires MFA delete on versioned buckets (advisory rule).
type S3MFADelete struct{}

func (S3MFADelete) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "aws-s3-mfa-delete",
		Title:         "S3 buckets require MFA to delete versions",
		Severity:      evaluator.SeverityLow,
		Category:      "deletion-protection",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceAdvisory,
		ResourceTypes: []string{"aws_s3_bucket"},
		References:    []string{"AVD-AWS-0170"},
		Doc: evaluator.RuleDoc{
			Summary: "With MFA delete, permanently deleting an object version or suspending versioning needs the root " +
				"user's MFA code, so stolen keys cannot purge the history versioning keeps. Advisory by default (the " +
				"policy can promote it, e.g. for a production scope, or switch it off) because only the root user can enable it, through the " +
				"`mfa` argument of aws_s3_bucket_versioning with a current token, which unattended pipelines cannot supply; " +
				"Checkov's former CKV_AWS_52 was removed. Findings are reported on the aws_s3_bucket. " + s3DocTargets +
				" Not judged (no finding): destroyed or forgotten buckets (the lifecycle rules cover them).",
			Pass: "aws_s3_bucket that will exist after apply (create, update, no-op, replace), and every " +
				"aws_s3_bucket_versioning targeting it (at least one) sets versioning_configuration.mfa_delete = \"Enabled\" " +
				"and none is destroyed by this plan; or, when none targets it, the legacy inline block has versioning.mfa_delete = true.",
			Fail: "A targeting aws_s3_bucket_versioning sets mfa_delete to \"Disabled\" or leaves it not set (provider " +
				"default \"Disabled\"), or is destroyed by this plan; or none targets the bucket and versioning.mfa_delete " +
				"is false or not set (provider default false).",
			Unknown: "Nothing fails, and a targeting resource's versioning_configuration.mfa_delete is known only after apply, " +
				"or, with none, versioning.mfa_delete is known only after apply while the configuration writes the " +
				"versioning block (or the plan has no configuration section).",
			Remediation: "As the root user with MFA, apply `aws_s3_bucket_versioning` with `mfa = \"<serial> <code>\"` and " +
				"`versioning_configuration { status = \"Enabled\"  mfa_delete = \"Enabled\" }`.",
			Example: "resource \"aws_s3_bucket_versioning\" \"data\" {\n  bucket = aws_s3_bucket.data.id\n  mfa    = var.root_mfa\n" +
				"  versioning_configuration {\n    status     = \"Enabled\"\n    mfa_delete = \"Enabled\"\n  }\n}",
		},
	}
}

func (S3MFADelete) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	const attr = "mfa_delete"
	const path = "versioning_configuration.mfa_delete"
	const expected = `"Enabled"`
	var okBy, unknownBy string
	for _, v := range s3Targeting(c.Plan, "aws_s3_bucket_versioning", r) {
		e := evaluator.EffectiveAfter(v, path, "Disabled")
		if !e.Known() {
			unknownBy = v.Address
			continue
		}
		if s, _ := e.Raw.(string); s != "Enabled" || e.Defaulted {
			return []evaluator.Finding{c.Fail(r, attr, v.Address+" sets "+path+" to "+e.Display(), expected, e.Display())}
		}
		if okBy == "" {
			okBy = v.Address
		}
	}
	for _, v := range s3Destroyed(c.Plan, "aws_s3_bucket_versioning", r) {
		return []evaluator.Finding{c.Fail(r, attr, v.Address+" is destroyed, which leaves the bucket without MFA delete", expected, "removed")}
	}
	switch {
	case unknownBy != "":
		return []evaluator.Finding{s3UnknownBy(c, r, attr, unknownBy, path, expected)}
	case okBy != "":
		return []evaluator.Finding{c.Pass(r, attr, okBy+` sets `+path+` to "Enabled"`)}
	}
	inline := evaluator.EffectiveAfter(r, "versioning.mfa_delete", false)
	if !inline.Known() {
		return []evaluator.Finding{c.Unknown(r, "versioning.mfa_delete", "true")}
	}
	if b, ok := inline.Bool(); ok && b && !inline.Defaulted {
		return []evaluator.Finding{c.Pass(r, "versioning.mfa_delete", "versioning.mfa_delete is true")}
	}
	return []evaluator.Finding{c.Fail(r, attr,
		"no aws_s3_bucket_versioning in the plan enables MFA delete on this bucket, and versioning.mfa_delete is "+inline.Display(),
		expected, inline.Display())}
}

// S3ObjectLock requires S3 Object Lock on buckets (advisory rule).
type S3ObjectLock struct{}

func (S3ObjectLock) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "aws-s3-object-lock",
		Title:         "S3 buckets have Object Lock enabled",
		Severity:      evaluator.SeverityMedium,
		Category:      "deletion-protection",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceAdvisory,
		ResourceTypes: []string{"aws_s3_bucket"},
		Doc: evaluator.RuleDoc{
			Summary: "Object Lock (write once, read many) stops object versions from being deleted or overwritten during " +
				"their retention, even by administrators in compliance mode: the last line against ransomware and " +
				"mistaken purges. Advisory by default (promote it for backup or audit buckets) because it " +
				"makes deletion impossible by design and needs versioning. Once enabled it cannot be turned off, so " +
				"destroying an aws_s3_bucket_object_lock_configuration (which only removes default retention) is not a " +
				"failure here. Default retention rules are not judged. No Checkov or Trivy check covers it. " + s3DocTargets +
				" Not judged (no finding): destroyed or forgotten buckets (the lifecycle rules cover them).",
			Pass: "aws_s3_bucket that will exist after apply (create, update, no-op, replace) with object_lock_enabled = true; " +
				"or the legacy object_lock_configuration.object_lock_enabled = \"Enabled\"; or an " +
				"aws_s3_bucket_object_lock_configuration targeting it whose object_lock_enabled is \"Enabled\" or not set " +
				"(provider default \"Enabled\"; AWS enables Object Lock on existing versioned buckets this way).",
			Fail: "None of these: object_lock_enabled is false or not set (provider default false) and no targeting " +
				"aws_s3_bucket_object_lock_configuration exists.",
			Unknown: "Nothing passes, and object_lock_enabled is known only after apply while the configuration writes it (or " +
				"the plan has no configuration section), or a targeting aws_s3_bucket_object_lock_configuration has " +
				"object_lock_enabled known only after apply.",
			Remediation: "Create the bucket with `object_lock_enabled = true`, or enable versioning and add an " +
				"`aws_s3_bucket_object_lock_configuration` (with a default retention rule) for an existing bucket.",
			Example: "resource \"aws_s3_bucket\" \"backups\" {\n  bucket              = \"example-backups\"\n  object_lock_enabled = true\n}",
		},
	}
}

func (S3ObjectLock) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	const path = "object_lock_enabled"
	e := evaluator.EffectiveAfter(r, path, false)
	if b, ok := e.Raw.(bool); ok && b && !e.Defaulted {
		return []evaluator.Finding{c.Pass(r, path, "object_lock_enabled is true")}
	}
	if s, ok := r.After("object_lock_configuration.object_lock_enabled").Str(); ok && s == "Enabled" {
		return []evaluator.Finding{c.Pass(r, "object_lock_configuration.object_lock_enabled", `object_lock_configuration.object_lock_enabled is "Enabled"`)}
	}
	var unknownBy string
	for _, x := range s3Targeting(c.Plan, "aws_s3_bucket_object_lock_configuration", r) {
		le := evaluator.EffectiveAfter(x, path, "Enabled")
		if !le.Known() {
			unknownBy = x.Address
			continue
		}
		if s, _ := le.Raw.(string); s == "Enabled" {
			return []evaluator.Finding{c.Pass(r, path, x.Address+" sets object_lock_enabled to "+le.Display())}
		}
	}
	switch {
	case !e.Known():
		return []evaluator.Finding{c.Unknown(r, path, "true")}
	case unknownBy != "":
		return []evaluator.Finding{s3UnknownBy(c, r, path, unknownBy, path, `"Enabled"`)}
	}
	return []evaluator.Finding{c.Fail(r, path,
		"object_lock_enabled is "+e.Display()+" and no aws_s3_bucket_object_lock_configuration in the plan targets this bucket",
		"true", e.Display())}
}
