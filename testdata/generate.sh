#!/usr/bin/env bash
# Regenerates the plans in testdata/plans that come from real terraform runs,
# and the documents in testdata/notplans that `terraform show -json` prints
# when it is not given a plan (prodgate must refuse them).
# terraform-data-modules.json is planned from terraform-modules/ (local modules
# nested two deep), whose .tf files report/source reads for file:line.
# Needs terraform >= 1.5 on PATH; no provider is downloaded (terraform_data is built in).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/terraform/main.tf" "$work/"
cd "$work"
export TF_IN_AUTOMATION=1 TF_CLI_CONFIG_FILE=/dev/null
mkdir -p "$here/notplans"
terraform init -input=false -no-color >/dev/null
# Before anything is applied there is no state: show prints only format_version.
terraform show -json > "$here/notplans/terraform-no-state.json"
terraform plan -input=false -no-color -out create.tfplan >/dev/null
terraform show -json create.tfplan > "$here/plans/terraform-data-create.json"
terraform apply -input=false -no-color -auto-approve create.tfplan >/dev/null
# The common mistake: show without the plan file prints the state.
terraform show -json > "$here/notplans/terraform-data-state.json"
terraform plan -input=false -no-color -out nochanges.tfplan >/dev/null
terraform show -json nochanges.tfplan > "$here/plans/terraform-data-no-changes.json"
terraform plan -input=false -no-color -var rev=2 -out replace.tfplan >/dev/null
terraform show -json replace.tfplan > "$here/plans/terraform-data-replace.json"
terraform plan -input=false -no-color -destroy -out destroy.tfplan >/dev/null
terraform show -json destroy.tfplan > "$here/plans/terraform-data-destroy.json"
# A plan with outputs and no resources at all.
mkdir "$work/outputs" && cp "$here/terraform/outputs-only/main.tf" "$work/outputs/" && cd "$work/outputs"
terraform init -input=false -no-color >/dev/null
terraform plan -input=false -no-color -out outputs.tfplan >/dev/null
terraform show -json outputs.tfplan > "$here/plans/terraform-outputs-only.json"
# Local modules nested two deep, for source locations.
mkdir "$work/modules" && cp -r "$here/terraform-modules/." "$work/modules/" && cd "$work/modules"
terraform init -input=false -no-color >/dev/null
terraform plan -input=false -no-color -out modules.tfplan >/dev/null
terraform show -json modules.tfplan > "$here/plans/terraform-data-modules.json"
echo "wrote $here/plans/terraform-{data-create,data-no-changes,data-replace,data-destroy,outputs-only,data-modules}.json and $here/notplans/terraform-{no-state,data-state}.json with $(terraform version | head -1)"
